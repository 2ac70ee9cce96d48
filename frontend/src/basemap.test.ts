import { describe, expect, it } from 'vitest';
import { basemapSource, plainStyle } from './basemap';

describe('plainStyle', () => {
  it('is a background only, with no glyph, sprite or tile URL to fetch', () => {
    const style = plainStyle();
    expect(style.sources).toEqual({});
    expect(style.layers.map((l) => l.type)).toEqual(['background']);
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
  });
});

describe('basemapSource', () => {
  it('is a 256 px raster source for the template', () => {
    expect(basemapSource('https://tiles.example/{z}/{x}/{y}.png')).toEqual({
      type: 'raster',
      tiles: ['https://tiles.example/{z}/{x}/{y}.png'],
      tileSize: 256,
      maxzoom: 19,
    });
  });
});
