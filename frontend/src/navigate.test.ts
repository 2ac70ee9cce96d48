import { describe, expect, it } from 'vitest';
import { amapNavigationURL, geoURI } from './navigate';
import { wgs84ToGcj02 } from './gcj';

const zone: [number, number] = [113.231234, 33.741234];

describe('navigation links', () => {
  it('sends Amap the GCJ-02 position (its navigation URI reads GCJ-02), with the name, by car, opening the app', () => {
    const url = new URL(amapNavigationURL(zone, '平顶山市某某科技有限公司'));
    expect(url.origin + url.pathname).toBe('https://uri.amap.com/navigation');
    const [lng, lat, name] = url.searchParams.get('to')!.split(',');
    const [gLng, gLat] = wgs84ToGcj02(zone);
    expect(Number(lng)).toBeCloseTo(gLng, 6);
    expect(Number(lat)).toBeCloseTo(gLat, 6);
    // The shift is real here: some hundreds of metres, never the raw point.
    expect(Math.abs(Number(lng) - zone[0])).toBeGreaterThan(0.001);
    expect(name).toBe('平顶山市某某科技有限公司');
    expect(url.searchParams.get('mode')).toBe('car');
    expect(url.searchParams.get('callnative')).toBe('1');
  });

  it('keeps a comma in the name from breaking "to"', () => {
    const url = new URL(amapNavigationURL(zone, 'A,B，C'));
    expect(url.searchParams.get('to')!.split(',')).toHaveLength(3);
  });

  it('gives other apps WGS84 in a geo: URI, latitude first', () => {
    expect(geoURI(zone, '某公司')).toBe(`geo:33.741234,113.231234?q=33.741234,113.231234(${encodeURIComponent('某公司')})`);
  });
});
