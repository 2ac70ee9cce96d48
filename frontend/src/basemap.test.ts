import { describe, expect, it } from 'vitest';
import type { BasemapChoice } from './api';
import { basemapLayers, basemapSource, initialBasemap, plainStyle } from './basemap';

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
  it('is a 256 px raster source for the templates', () => {
    expect(basemapSource(['https://tiles.example/{z}/{x}/{y}.png'])).toEqual({
      type: 'raster',
      tiles: ['https://tiles.example/{z}/{x}/{y}.png'],
      tileSize: 256,
      maxzoom: 19,
    });
  });
});

const tianditu: BasemapChoice = {
  id: 'tianditu-vec',
  name: '天地图矢量',
  datum: 'wgs84',
  attribution: '© 天地图',
  maxzoom: 18,
  layers: [
    { tiles: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `https://t${i}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k`) },
    { tiles: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `https://t${i}.tianditu.gov.cn/cva_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k`) },
  ],
};
const amap: BasemapChoice = {
  id: 'amap-vec',
  name: '高德地图',
  datum: 'gcj02',
  attribution: '© 高德地图',
  maxzoom: 18,
  layers: [{ tiles: ['https://webrd01.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}'] }],
};

describe('basemapLayers', () => {
  it('draws a 天地图 preset as its base with the annotation on top, all eight hosts in each, credited once', () => {
    const layers = basemapLayers(tianditu);
    expect(layers.map((l) => l.id)).toEqual(['basemap-0', 'basemap-1']);
    expect(layers.map((l) => l.layer.source)).toEqual(['basemap-0', 'basemap-1']);
    expect(layers[0].source.tiles).toHaveLength(8);
    expect(layers[1].source.tiles![7]).toContain('t7.tianditu.gov.cn/cva_w/');
    expect(layers[0].source.maxzoom).toBe(18);
    expect(layers[0].source.attribution).toBe('© 天地图');
    expect(layers[1].source.attribution).toBeUndefined();
    expect(layers.every((l) => l.layer.type === 'raster')).toBe(true);
  });

  it('draws an Amap preset as one layer', () => {
    const layers = basemapLayers(amap);
    expect(layers).toHaveLength(1);
    expect(layers[0].source.tiles).toEqual(amap.layers[0].tiles);
  });
});

describe('initialBasemap', () => {
  it('starts with the stored choice while it is offered, none when 无底图 was chosen, else the first', () => {
    expect(initialBasemap([tianditu, amap], 'amap-vec')).toBe(amap);
    expect(initialBasemap([tianditu, amap], 'none')).toBeNull();
    expect(initialBasemap([tianditu, amap], 'gone')).toBe(tianditu);
    expect(initialBasemap([tianditu, amap], null)).toBe(tianditu);
    expect(initialBasemap([], null)).toBeNull();
  });
});
