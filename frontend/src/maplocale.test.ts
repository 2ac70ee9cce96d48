import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAP_LOCALE } from './maplocale';

/** The keys and strings of the installed MapLibre's default locale, read from its bundle. */
function defaultLocale(): Record<string, string> {
  const pkg = createRequire(import.meta.url).resolve('maplibre-gl/package.json');
  const src = readFileSync(join(dirname(pkg), 'dist/maplibre-gl-dev.mjs'), 'utf8');
  const block = src.match(/const defaultLocale = (\{[\s\S]*?\n\});/);
  if (!block) throw new Error('no defaultLocale in maplibre-gl-dev.mjs');
  return JSON.parse(block[1].replace(/,\s*\}$/, '}'));
}

describe('map locale', () => {
  it('translates every string of MapLibre\'s default locale, the canvas label "Map" included', () => {
    const english = defaultLocale();
    expect(Object.keys(english)).toContain('Map.Title');
    expect(Object.keys(english).filter((k) => !(k in MAP_LOCALE))).toEqual([]);
    expect(MAP_LOCALE['Map.Title']).toBe('地图');
  });

  it('has Chinese in every string', () => {
    expect(Object.entries(MAP_LOCALE).filter(([, v]) => !/[\u4e00-\u9fff]/.test(v))).toEqual([]);
  });
});
