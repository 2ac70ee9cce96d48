import { describe, expect, it } from 'vitest';
import type { Stats, StatsGroup } from './api';
import {
  CHOROPLETH_COLORS,
  addDays,
  checkRange,
  chinaToday,
  choroplethClasses,
  classColor,
  defaultRange,
  groupName,
  kpiMapLabel,
  kpiText,
  kpiValue,
  KPIS,
  RANGE_PRESETS,
  statsCsv,
  statsFilename,
  statsRows,
} from './stats';

function group(key: string, name: string, over: Partial<StatsGroup> = {}): StatsGroup {
  return {
    key,
    name,
    from: '2025-11-26T16:00:00Z',
    to: '2026-11-26T16:00:00Z',
    reported: 26,
    rejected: 1,
    closed: 25,
    closure_rate: { numerator: 25, denominator: 25, rate: 1 },
    on_time_rate: { numerator: 23, denominator: 25, rate: 0.92 },
    rework_rate: { numerator: 2, denominator: 25, rate: 0.08 },
    answered_24h: { numerator: 20, denominator: 21, rate: 0.9524 },
    median_response_hours: { count: 21, value: 9.55 },
    median_resolution_hours: { count: 25, value: 165.85 },
    satisfaction: { sum: 86, count: 21, value: 4.1 },
    contact_compliance: { numerator: 47, denominator: 55, rate: 0.8545 },
    visit_compliance: { numerator: 0, denominator: 0, rate: null },
    ...over,
  };
}

const stats: Stats = { from: '2025-11-26T16:00:00Z', to: '2026-11-26T16:00:00Z', by: 'grid', groups: [group('1', '新材料产业网格'), group('2', '新能源,储能')] };

describe('the table', () => {
  it('words every rate with its numerator and denominator', () => {
    const g = stats.groups[0];
    expect(kpiText(g, 'closure_rate')).toBe('100.0%（25/25）');
    expect(kpiText(g, 'on_time_rate')).toBe('92.0%（23/25）');
    expect(kpiText(g, 'answered_24h')).toBe('95.2%（20/21）');
    expect(kpiText(g, 'visit_compliance')).toBe('—（0/0）');
    expect(kpiText(group('7', '', { contact_compliance: null }), 'contact_compliance')).toBe('不适用');
    expect(kpiText(g, 'reported')).toBe('26');
    expect(kpiText(g, 'median_resolution_hours')).toBe('165.9 小时（25 件）');
    expect(kpiText(g, 'satisfaction')).toBe('4.10 分（21 件）');
    for (const k of KPIS.filter((k) => k.kind === 'rate')) expect(kpiText(g, k.key)).toMatch(/（\d+\/\d+）$/);
  });

  it('names the group of requests without a grid, liaison or unit', () => {
    expect(groupName({ key: 'none', name: '' }, 'grid')).toBe('未划入网格');
    expect(groupName({ key: 'none', name: '' }, 'liaison')).toBe('未交办联络员');
    expect(groupName({ key: '3', name: '' }, 'unit')).toBe('联盟单位 #3');
    expect(groupName({ key: '2026-01', name: '2026-01' }, 'month')).toBe('2026-01');
  });

  it('puts the total last, except when grouping by zone', () => {
    const total = group('1', '平顶山高新区');
    expect(statsRows(stats, total).map((r) => [r.name, r.total])).toEqual([
      ['新材料产业网格', false],
      ['新能源,储能', false],
      ['合计', true],
    ]);
    expect(statsRows({ ...stats, by: 'zone', groups: [total] }, total)).toHaveLength(1);
    // An officer's one grid: the total would repeat it.
    expect(statsRows({ ...stats, groups: [stats.groups[0]] }, total)).toHaveLength(1);
  });

  it('reads figures as numbers for the map', () => {
    const g = stats.groups[0];
    expect(kpiValue(g, 'on_time_rate')).toBeCloseTo(0.92);
    expect(kpiValue(g, 'visit_compliance')).toBeNull();
    expect(kpiValue(g, 'median_response_hours')).toBe(9.55);
    expect(kpiValue(g, 'reported')).toBe(26);
    expect(kpiMapLabel(g, 'on_time_rate')).toBe('92.0%（23/25）');
  });
});

describe('the CSV export', () => {
  const csv = statsCsv(stats, group('1', '园区'));
  const lines = csv.replace(/^\uFEFF/, '').split('\r\n');

  it('is UTF-8 text with a BOM and CRLF lines, one per group and the total', () => {
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(1 + 3 + 1);
  });

  it('gives each rate as percentage, numerator and denominator', () => {
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['网格', '统计起', '统计止']);
    const at = header.indexOf('按期办结率（%）');
    expect(header.slice(at, at + 3)).toEqual(['按期办结率（%）', '按期办结率分子', '按期办结率分母']);
    const row = lines[1].split(',');
    expect(row[0]).toBe('新材料产业网格');
    expect(row.slice(at, at + 3)).toEqual(['92', '23', '25']);
    // The dates are China days; the server's end is exclusive.
    expect(row.slice(1, 3)).toEqual(['2025-11-27', '2026-11-26']);
  });

  it('quotes a name with a comma and leaves an empty cell for a rate of nothing', () => {
    expect(lines[2].startsWith('"新能源,储能",')).toBe(true);
    const header = lines[0].split(',');
    const at = header.indexOf('每月走访率（%）');
    const row = lines[1].split(',');
    expect(row.slice(at, at + 3)).toEqual(['', '0', '0']);
  });

  it('names the file after the grouping and the range', () => {
    expect(statsFilename('grid', { from: '2025-11-27', to: '2026-11-26' })).toBe('统计_按网格_2025-11-27_2026-11-26.csv');
  });
});

describe('the date range', () => {
  const today = '2026-11-26';

  it('takes today in China time', () => {
    expect(chinaToday(Date.parse('2026-11-25T16:30:00Z'))).toBe('2026-11-26');
    expect(chinaToday(Date.parse('2026-11-25T15:59:00Z'))).toBe('2026-11-25');
  });

  it('opens on the last year and offers presets', () => {
    expect(defaultRange(today)).toEqual({ from: '2025-11-27', to: '2026-11-26' });
    const presets = Object.fromEntries(RANGE_PRESETS.map((p) => [p.name, p.range(today)]));
    expect(presets['30d']).toEqual({ from: '2026-10-28', to: today });
    expect(presets.ytd).toEqual({ from: '2026-01-01', to: today });
    expect(defaultRange('2028-02-29')).toEqual({ from: '2027-03-02', to: '2028-02-29' });
  });

  it('sends the day after the last as to', () => {
    expect(checkRange({ from: '2026-01-01', to: '2026-01-31' }, today)).toEqual({ ok: true, from: '2026-01-01', to: '2026-02-01' });
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it.each([
    [{ from: '', to: today }, { from: '请选择开始日期' }],
    [{ from: '2026-02-30', to: today }, { from: '请选择开始日期' }],
    [{ from: '2026-06-01', to: '2026-05-01' }, { from: '开始日期不能晚于结束日期' }],
    [{ from: '2026-12-01', to: '2026-12-31' }, { from: '开始日期不能晚于今天' }],
    [{ from: '2023-01-01', to: today }, { from: '统计区间最长 3 年' }],
  ])('refuses %j', (range, errors) => {
    expect(checkRange(range, today)).toEqual({ ok: false, errors });
  });

  it('allows exactly the longest range the server takes', () => {
    const from = addDays(today, -(3 * 366) + 1);
    expect(checkRange({ from, to: today }, today).ok).toBe(true);
    expect(checkRange({ from: addDays(from, -1), to: today }, today).ok).toBe(false);
  });
});

describe('choropleth classes', () => {
  it('spreads equal intervals over the values’ own range', () => {
    const classes = choroplethClasses([0.9, 1, 0.95, null, 0.925, 0.975]);
    expect(classes).toHaveLength(5);
    expect(classes[0].from).toBe(0.9);
    expect(classes[4].to).toBe(1);
    expect(classColor(classes, 0.9)).toBe(CHOROPLETH_COLORS[0]);
    expect(classColor(classes, 1)).toBe(CHOROPLETH_COLORS[4]);
    expect(classColor(classes, 0.95)).toBe(CHOROPLETH_COLORS[2]);
    expect(classColor(classes, null)).toBeNull();
  });

  it('uses one class when all values agree, none without values', () => {
    expect(choroplethClasses([1, 1])).toEqual([{ color: CHOROPLETH_COLORS[4], from: 1, to: 1 }]);
    expect(choroplethClasses([null])).toEqual([]);
  });
});
