import { describe, expect, it } from 'vitest';
import { metresBetween } from './gcj';
import { accuracyRing, locateFailure, locateFeatures } from './locate';

describe('accuracyRing', () => {
  it('is a closed ring whose every vertex is the accuracy in metres from the position', () => {
    const at = { lng: 113.3175, lat: 33.7594, accuracy: 60 };
    const ring = accuracyRing(at).coordinates[0];
    expect(ring).toHaveLength(65);
    expect(ring[0]).toEqual(ring[64]);
    for (const p of ring) expect(Math.abs(metresBetween(p, [at.lng, at.lat]) - 60)).toBeLessThan(0.05);
  });

  it('draws the ring and the point as two features', () => {
    const fc = locateFeatures({ lng: 1, lat: 2, accuracy: 10 });
    expect(fc.features.map((f) => [f.geometry.type, f.properties?.part])).toEqual([
      ['Polygon', 'ring'],
      ['Point', 'point'],
    ]);
  });
});

describe('locateFailure', () => {
  it('says why no position came, in Chinese', () => {
    expect(locateFailure('insecure')).toContain('https');
    expect(locateFailure('insecure')).toContain('http');
    expect(locateFailure(1)).toContain('权限被拒绝');
    expect(locateFailure(2)).toContain('无法获取位置');
    expect(locateFailure(3)).toContain('超时');
    expect(locateFailure('unsupported')).toContain('不支持');
  });
});
