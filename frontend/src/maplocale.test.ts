import { describe, expect, it } from 'vitest';
import src from 'maplibre-gl/dist/maplibre-gl-dev.mjs?raw';
import { MAP_LOCALE } from './maplocale';

/** The keys and strings of the installed MapLibre's default locale, read from its bundle. */
function defaultLocale(): Record<string, string> {
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
