import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { precompress } from './precompress.mjs';

describe('precompress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'precompress-'));
  mkdirSync(join(dir, 'assets'));
  const script = Buffer.from('export const grids = ["G01", "G02"];\n'.repeat(200));
  writeFileSync(join(dir, 'assets', 'index-abc.js'), script);
  writeFileSync(join(dir, 'tiny.css'), 'a{}'); // compressing would make it longer
  writeFileSync(join(dir, 'assets', 'noise-abc.js'), randomBytes(4096)); // incompressible
  writeFileSync(join(dir, 'logo.png'), script); // not text: left alone
  writeFileSync(join(dir, 'tiny.css.br'), 'stale'); // from an earlier build
  precompress(dir);

  it('writes smaller Brotli and gzip forms that decompress to the file', () => {
    const br = readFileSync(join(dir, 'assets', 'index-abc.js.br'));
    const gz = readFileSync(join(dir, 'assets', 'index-abc.js.gz'));
    expect(br.length).toBeLessThan(script.length);
    expect(gz.length).toBeLessThan(script.length);
    expect(brotliDecompressSync(br).equals(script)).toBe(true);
    expect(gunzipSync(gz).equals(script)).toBe(true);
  });

  it('writes no form that would not be smaller, and removes a stale one', () => {
    for (const f of ['tiny.css.br', 'tiny.css.gz', 'assets/noise-abc.js.br', 'assets/noise-abc.js.gz']) {
      expect(existsSync(join(dir, f)), f).toBe(false);
    }
  });

  it('leaves files that are not text alone', () => {
    expect(existsSync(join(dir, 'logo.png.br'))).toBe(false);
    expect(existsSync(join(dir, 'logo.png.gz'))).toBe(false);
  });
});
