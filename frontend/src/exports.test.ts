import { describe, expect, it } from 'vitest';
import {
  EXPORT_ITEMS,
  cropTo,
  currentMonth,
  dateLabel,
  defaultReportMonth,
  exportUrl,
  filenameFromDisposition,
  mapFrame,
  mayExport,
  metersPerPixel,
  monthLabel,
  printTitle,
  scaleBar,
  scaleRatio,
} from './exports';

describe('filenameFromDisposition', () => {
  it('prefers the UTF-8 name', () => {
    const h = `attachment; filename="organizations-2025-06-01.xlsx"; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95_2025-06-01.xlsx`;
    expect(filenameFromDisposition(h)).toBe('企业名录_2025-06-01.xlsx');
  });
  it('falls back to the plain name', () => {
    expect(filenameFromDisposition('attachment; filename="requests-all.xlsx"')).toBe('requests-all.xlsx');
    expect(filenameFromDisposition('attachment; filename=plain.csv')).toBe('plain.csv');
    expect(filenameFromDisposition(`attachment; filename="a.csv"; filename*=UTF-8''%E4%ZZ`)).toBe('a.csv');
  });
  it('is null without a name', () => {
    expect(filenameFromDisposition(null)).toBeNull();
    expect(filenameFromDisposition('attachment')).toBeNull();
  });
});

describe('months', () => {
  // 2025-01-31T17:00Z is already 1 February in China.
  const lateJanuaryUTC = new Date('2025-01-31T17:00:00Z');
  it('reads the month in China Standard Time', () => {
    expect(currentMonth(lateJanuaryUTC)).toBe('2025-02');
    expect(defaultReportMonth(lateJanuaryUTC)).toBe('2025-01');
    expect(dateLabel(lateJanuaryUTC)).toBe('2025年2月1日');
  });
  it('goes back across a year', () => {
    expect(defaultReportMonth(new Date('2025-01-10T00:00:00Z'))).toBe('2024-12');
  });
  it('labels a month in Chinese', () => {
    expect(monthLabel('2025-06')).toBe('2025年6月');
    expect(monthLabel('x')).toBe('x');
  });
});

describe('exportUrl', () => {
  it('adds the month to the monthly exports only', () => {
    const monthly = EXPORT_ITEMS.find((i) => i.id === 'monthly')!;
    const orgs = EXPORT_ITEMS.find((i) => i.id === 'orgs-csv')!;
    expect(exportUrl(monthly, '2025-06')).toBe('/api/v1/export/monthly.xlsx?month=2025-06');
    expect(exportUrl(orgs, '2025-06')).toBe('/api/v1/export/organizations.csv');
  });
  it('offers every format with a Chinese label', () => {
    for (const ext of ['xlsx', 'csv', 'geojson', 'kml']) {
      expect(EXPORT_ITEMS.some((i) => i.path === `/export/organizations.${ext}`)).toBe(true);
    }
    for (const i of EXPORT_ITEMS) expect(i.label).toMatch(/[\u4e00-\u9fff]/);
  });
  it('is for every role that reads', () => {
    for (const r of ['admin', 'officer', 'planner', 'liaison']) expect(mayExport(r)).toBe(true);
    expect(mayExport('guest')).toBe(false);
  });
});

describe('scaleBar', () => {
  it('measures web-mercator pixels', () => {
    // At the equator, zoom 0 is the whole circumference over 512 pixels.
    expect(metersPerPixel(0, 0)).toBeCloseTo(78_271.5, 0);
    expect(metersPerPixel(60, 1)).toBeCloseTo(78_271.5 / 4, 0);
  });
  it('picks the longest round length that fits', () => {
    expect(scaleBar(1, 120)).toEqual({ meters: 100, px: 100, label: '100 米' });
    expect(scaleBar(10, 120)).toEqual({ meters: 1000, px: 100, label: '1 公里' });
    expect(scaleBar(4, 120)).toEqual({ meters: 200, px: 50, label: '200 米' });
    expect(scaleBar(30, 120)).toEqual({ meters: 2000, px: 2000 / 30, label: '2 公里' });
    expect(scaleBar(0.05, 120)).toEqual({ meters: 5, px: 100, label: '5 米' });
  });
});

describe('scaleRatio', () => {
  it('gives the printed scale to two significant digits', () => {
    // 5.7 km across 227 mm of paper.
    expect(scaleRatio(5_700, 227)).toBe('1:25,000');
    expect(scaleRatio(1_000, 100)).toBe('1:10,000');
    expect(scaleRatio(12.34, 100)).toBe('1:120');
  });
});

describe('print layout', () => {
  it('frames the map inside a landscape page', () => {
    expect(mapFrame('A4')).toEqual({ width: 227, height: 162 });
    expect(mapFrame('A3')).toEqual({ width: 350, height: 249 });
  });
  it('crops the map to the frame without scaling it', () => {
    expect(cropTo(2000, 1000, { width: 200, height: 100 })).toEqual({ x: 0, y: 0, w: 2000, h: 1000 });
    expect(cropTo(3000, 1000, { width: 200, height: 100 })).toEqual({ x: 500, y: 0, w: 2000, h: 1000 });
    expect(cropTo(1000, 1000, { width: 200, height: 100 })).toEqual({ x: 0, y: 250, w: 1000, h: 500 });
  });
  it('titles the map by what the user looks after', () => {
    expect(printTitle('officer', ['新材料产业网格'], '王芳')).toBe('新材料产业网格地图');
    expect(printTitle('liaison', [], '李明')).toBe('李明 包联组织分布图');
    expect(printTitle('planner', [], '规划')).toBe('园区产业网格地图');
  });
});
