import { describe, expect, it } from 'vitest';
import type { Coverage, CoverageFeature, CoverageIndicator, OrgFeature } from './api';
import {
  INDICATORS,
  coverageChoropleth,
  coverageCsv,
  coverageFilename,
  coverageRows,
  gapCount,
  gapExportUrl,
  rowRate,
  gapLine,
  indicatorLabel,
  zoneSummary,
} from './coverage';
import { BOM } from './csv';
import { NO_DATA_COLOR } from './layers/choropleth';

function grid(id: number, code: string, name: string, numerator: number, denominator: number, indicator: CoverageIndicator = 'party_org'): CoverageFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'MultiPolygon', coordinates: [] },
    properties: { code, name, zone_id: 1, indicator, numerator, denominator, rate: denominator > 0 ? numerator / denominator : null },
  };
}

function coverage(indicator: CoverageIndicator = 'party_org'): Coverage {
  return {
    indicator,
    grids: [grid(2, 'G02', '生物医药网格', 0, 0, indicator), grid(1, 'G01', '集成电路网格', 121, 126, indicator), grid(3, 'G03', '=人工智能', 3, 4, indicator)],
    zones: [{ zone_id: 1, numerator: 124, denominator: 130, rate: 0.9538 }],
  };
}

describe('indicators', () => {
  it('names every indicator of the API in Chinese, in the selector order', () => {
    expect(INDICATORS.map((i) => i.key)).toEqual(['party_org', 'standalone', 'standalone_gap', 'instructor', 'liaison', 'contact_7d', 'visit_30d']);
    expect(INDICATORS.map((i) => i.label)).toEqual([
      '党组织覆盖率',
      '单独组建率',
      '应建未建(3名以上党员未单独组建)',
      '党建工作覆盖率(党组织或指导员)',
      '联络员包联率',
      '7日联系率',
      '30日走访率',
    ]);
    expect(indicatorLabel('visit_30d')).toBe('30日走访率');
    expect(indicatorLabel('unknown')).toBe('unknown');
  });

  it('counts the gap as the uncovered, or as the numerator where the indicator counts gaps', () => {
    expect(gapCount('party_org', { numerator: 121, denominator: 126 })).toBe(5);
    expect(gapCount('standalone_gap', { numerator: 7, denominator: 126 })).toBe(7);
    expect(gapCount('liaison', { numerator: 0, denominator: 0 })).toBe(0);
  });
});

describe('coverage table', () => {
  it('lists the grids by code with rate, numerator and denominator, the zone total last', () => {
    const rows = coverageRows(coverage());
    expect(rows.map((r) => [r.key, r.name, r.text, r.gaps, r.total])).toEqual([
      ['1', '集成电路网格', '96.0%（121/126）', 5, false],
      ['2', '生物医药网格', '—（0/0）', 0, false],
      ['3', '=人工智能', '75.0%（3/4）', 1, false],
      ['zone:1', '园区合计', '95.4%（124/130）', 6, true],
    ]);
    expect(rows[0].gridId).toBe(1);
    expect(rows[3].gridId).toBeNull();
  });

  it('numbers the zone totals when there are several zones', () => {
    const c = coverage();
    c.zones.push({ zone_id: 2, numerator: 1, denominator: 2, rate: 0.5 });
    expect(coverageRows(c).filter((r) => r.total).map((r) => r.name)).toEqual(['园区 #1 合计', '园区 #2 合计']);
    expect(zoneSummary(c)).toBe('园区 #1 合计 党组织覆盖率 95.4%（124/130）；园区 #2 合计 党组织覆盖率 50.0%（1/2）');
  });

  it('words the zone total with the indicator', () => {
    expect(zoneSummary(coverage('visit_30d'))).toBe('园区合计 30日走访率 95.4%（124/130）');
    expect(zoneSummary({ ...coverage(), zones: [] })).toBe('党组织覆盖率：无园区合计');
  });

  it('exports a CSV with BOM: percentage, numerator, denominator and gaps side by side, formulas made inert', () => {
    const csv = coverageCsv(coverage());
    expect(csv.startsWith(BOM)).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe('网格编码,网格,指标,党组织覆盖率（%）,分子,分母,缺口（个）');
    expect(lines[1]).toBe('G01,集成电路网格,党组织覆盖率,96,121,126,5');
    expect(lines[2]).toBe('G02,生物医药网格,党组织覆盖率,,0,0,0');
    expect(lines[3]).toBe("G03,'=人工智能,党组织覆盖率,75,3,4,1");
    expect(lines[4]).toBe(',园区合计,党组织覆盖率,95.4,124,130,6');
    expect(lines.at(-1)).toBe('');
    expect(coverageFilename('contact_7d', '2026-11-26')).toBe('覆盖率_7日联系_2026-11-26.csv');
  });
});

describe('coverage choropleth', () => {
  it('labels each grid with the rate and what it was taken over, no colour without a denominator', () => {
    const { entries, classes } = coverageChoropleth(coverage());
    expect(entries.get(1)?.label).toBe('党组织覆盖 96.0%（121/126）');
    expect(entries.get(2)).toEqual({ color: null, label: '党组织覆盖 —（0/0）' });
    expect(entries.get(1)?.color).toBe(classes.at(-1)?.color);
    expect(entries.get(3)?.color).toBe(classes[0].color);
    expect(NO_DATA_COLOR).toMatch(/^#/);
  });
});

describe('gap lines', () => {
  const org = (over: Partial<OrgFeature['properties']> = {}): OrgFeature => ({
    type: 'Feature',
    id: 7,
    geometry: { type: 'Point', coordinates: [120, 31] },
    properties: {
      name: '某某科技有限公司',
      uscc: '91320000000000000X',
      kind: 'enterprise',
      industry: '集成电路',
      grid_id: 1,
      grid_reason: 'industry',
      party_org: 'none',
      party_members: 4,
      employees: 120,
      high_tech: false,
      specialized: false,
      liaison_id: null,
      last_contact_at: '2026-11-01T02:00:00Z',
      last_visit_at: null,
      open_requests: 0,
      ...over,
    },
  });

  it('says what the indicator finds lacking', () => {
    expect(gapLine('standalone_gap', org())).toEqual({ id: 7, name: '某某科技有限公司', detail: '党组织未建立 · 党员 4 名' });
    expect(gapLine('liaison', org()).detail).toBe('无联络员');
    expect(gapLine('contact_7d', org()).detail).toBe('最近联系 2026-11-01');
    expect(gapLine('visit_30d', org()).detail).toBe('最近走访 暂无记录');
  });
});

describe('gap export', () => {
  it('asks the register export for one grid\'s gap, or the zone\'s', () => {
    expect(gapExportUrl('party_org', 'xlsx', 3)).toBe('/api/v1/export/organizations.xlsx?gap=party_org&grid=3');
    expect(gapExportUrl('visit_30d', 'csv', null)).toBe('/api/v1/export/organizations.csv?gap=visit_30d');
  });
  it('has no rate without a denominator', () => {
    expect(rowRate({ numerator: 0, denominator: 0 })).toBeNull();
    expect(rowRate({ numerator: 1, denominator: 4 })).toBe(0.25);
  });
});
