// The KPI dashboard (统计) as pure logic: which figures it shows and how
// each is worded, the date range and its checks, the CSV export, and the
// classes of the grid choropleth. The view that uses it is statsview.ts.
import type { Rate, Stats, StatsBy, StatsGroup } from './api';
import { toCsv, type CsvValue } from './csv';
import { fixed, formatHours, formatMean, formatRate, percent } from './format';

/** The figures of a group, in the table's order. */
export type KpiKey =
  | 'reported'
  | 'closed'
  | 'closure_rate'
  | 'on_time_rate'
  | 'rework_rate'
  | 'answered_24h'
  | 'median_response_hours'
  | 'median_resolution_hours'
  | 'satisfaction'
  | 'contact_compliance'
  | 'visit_compliance'
  | 'reminders';

export interface KpiSpec {
  key: KpiKey;
  /** The column heading. */
  label: string;
  kind: 'count' | 'rate' | 'median' | 'mean';
  /** Whether a higher value is the better one (for the map's legend). */
  better: 'high' | 'low';
  /** What the figure is, for the heading's tooltip. */
  hint: string;
}

export const KPIS: readonly KpiSpec[] = [
  { key: 'reported', label: '上报', kind: 'count', better: 'high', hint: '期间上报的诉求件数' },
  { key: 'closed', label: '办结', kind: 'count', better: 'high', hint: '复核通过（办结）的件数' },
  { key: 'closure_rate', label: '办结率', kind: 'rate', better: 'high', hint: '办结件数 / 受理件数（上报减不予受理）' },
  { key: 'on_time_rate', label: '按期办结率', kind: 'rate', better: 'high', hint: '办结诉求中按时限销号的比例（按联络员、联盟单位计期限届满时的承办人）' },
  // Next to the rates it explains, so that it is on screen without scrolling.
  { key: 'reminders', label: '催办', kind: 'count', better: 'low', hint: '期间催办的次数（按催办发生时间计；按联络员、联盟单位计被催办者）' },
  { key: 'rework_rate', label: '返工率', kind: 'rate', better: 'low', hint: '销号过的诉求中被退回整改的比例' },
  { key: 'answered_24h', label: '24 小时响应率', kind: 'rate', better: 'high', hint: '应响应诉求中 24 小时内交办的比例' },
  { key: 'median_response_hours', label: '响应时长中位数', kind: 'median', better: 'low', hint: '上报到交办的小时数（中位数）' },
  { key: 'median_resolution_hours', label: '办结时长中位数', kind: 'median', better: 'low', hint: '上报到办结的小时数（中位数）' },
  { key: 'satisfaction', label: '满意度', kind: 'mean', better: 'high', hint: '办结诉求的平均满意度（1–5 分）' },
  { key: 'contact_compliance', label: '每周联系率', kind: 'rate', better: 'high', hint: '包联组织中近 7 天有联系（含走访）的比例' },
  { key: 'visit_compliance', label: '每月走访率', kind: 'rate', better: 'high', hint: '包联组织中近 30 天有走访的比例' },
];

export const kpiSpec = (key: string): KpiSpec | undefined => KPIS.find((k) => k.key === key);

/** The figures a map can colour grids by: every one but the plain counts. */
export const MAP_KPIS: readonly KpiSpec[] = KPIS.filter((k) => k.kind !== 'count' || k.key === 'reported');

export const STATS_GROUPINGS: readonly { by: StatsBy; label: string }[] = [
  { by: 'grid', label: '按网格' },
  { by: 'liaison', label: '按联络员' },
  { by: 'unit', label: '按联盟单位' },
  { by: 'month', label: '按月份' },
  { by: 'zone', label: '全园区' },
];

export const groupingLabel = (by: string): string => STATS_GROUPINGS.find((g) => g.by === by)?.label ?? by;

/** The first column's heading per grouping. */
const GROUP_HEADINGS: Record<string, string> = { zone: '园区', grid: '网格', liaison: '联络员', unit: '联盟单位', month: '月份' };
export const groupHeading = (by: string): string => GROUP_HEADINGS[by] ?? '分组';

/** What the group of requests without a grid, liaison or unit is called. */
const NONE_NAMES: Record<string, string> = { grid: '未划入网格', liaison: '未交办联络员', unit: '未交办联盟单位' };

/** A group's name for the table: the server's, or what its key means. */
export function groupName(g: Pick<StatsGroup, 'key' | 'name'>, by: string): string {
  if (g.key === 'none') return NONE_NAMES[by] ?? '未分组';
  if (g.name) return g.name;
  return by === 'unit' ? `联盟单位 #${g.key}` : by === 'liaison' ? `联络员 #${g.key}` : g.key;
}

/** A figure as the table shows it. */
export function kpiText(g: StatsGroup, key: KpiKey): string {
  switch (key) {
    case 'reported':
    case 'closed':
      return String(g[key]);
    case 'reminders':
      return String(g.reminders ?? 0);
    case 'median_response_hours':
    case 'median_resolution_hours':
      return formatHours(g[key]);
    case 'satisfaction':
      return formatMean(g.satisfaction);
    default:
      return formatRate(g[key]);
  }
}

/** A figure as a number (a rate as 0–1), or null when it has none. */
export function kpiValue(g: StatsGroup, key: KpiKey): number | null {
  switch (key) {
    case 'reported':
    case 'closed':
      return g[key];
    case 'reminders':
      return g.reminders ?? 0;
    case 'median_response_hours':
    case 'median_resolution_hours':
    case 'satisfaction':
      return g[key]?.value ?? null;
    default: {
      const r = g[key];
      if (!r || !(r.denominator > 0)) return null;
      return r.numerator / r.denominator;
    }
  }
}

/** A value as the map's legend and labels word it. */
export function kpiValueText(key: KpiKey, v: number): string {
  const spec = kpiSpec(key);
  switch (spec?.kind) {
    case 'rate':
      return `${(Math.round(v * 1000) / 10).toFixed(1)}%`;
    case 'median':
      return `${fixed(v, 1)} 小时`;
    case 'mean':
      return `${fixed(v, 2)} 分`;
    default:
      return String(Math.round(v));
  }
}

/** The label of one grid on the choropleth: its figure with what it was taken over. */
export function kpiMapLabel(g: StatsGroup, key: KpiKey): string {
  const spec = kpiSpec(key);
  if (spec?.kind === 'rate') {
    const r = g[key as keyof StatsGroup] as Rate | null;
    return r ? `${percent(r.numerator, r.denominator)}（${r.numerator}/${r.denominator}）` : '不适用';
  }
  return kpiText(g, key);
}

// ---- the date range ---------------------------------------------------------

const DAY_MS = 86_400_000;
/** The server's longest range (grid.StatsMaxRange): 3 × 366 days. */
export const MAX_RANGE_DAYS = 3 * 366;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date, or NaN. */
export function dayNumber(date: string): number {
  const m = DATE.exec(date);
  if (!m) return Number.NaN;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  // 2025-02-30 rolls over to March: not a date.
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return Number.NaN;
  return t / DAY_MS;
}

/** The YYYY-MM-DD date of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** date plus n days. */
export function addDays(date: string, n: number): string {
  return dateOfDay(dayNumber(date) + n);
}

/** date moved by whole years, the day kept (29 February becomes 1 March). */
export function addYears(date: string, n: number): string {
  const m = DATE.exec(date)!;
  return new Date(Date.UTC(Number(m[1]) + n, Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10);
}

/** Today's date in China (the server reads dates as China Standard Time). */
export function chinaToday(now: number = Date.now()): string {
  return dateOfDay(Math.floor((now + 8 * 3_600_000) / DAY_MS));
}

export interface DateRange {
  /** The first day, YYYY-MM-DD. */
  from: string;
  /** The last day, included. */
  to: string;
}

/** The range presets of the date picker. */
export const RANGE_PRESETS: readonly { name: string; label: string; range(today: string): DateRange }[] = [
  { name: '30d', label: '近 30 天', range: (t) => ({ from: addDays(t, -29), to: t }) },
  { name: '90d', label: '近 90 天', range: (t) => ({ from: addDays(t, -89), to: t }) },
  { name: 'ytd', label: '本年度', range: (t) => ({ from: `${t.slice(0, 4)}-01-01`, to: t }) },
  { name: '1y', label: '近一年', range: (t) => ({ from: addDays(addYears(t, -1), 1), to: t }) },
];

/** The range the dashboard opens with: the last year, today included. */
export function defaultRange(today: string): DateRange {
  return RANGE_PRESETS.find((p) => p.name === '1y')!.range(today);
}

/** Field → message. */
export type RangeErrors = Partial<Record<'from' | 'to', string>>;

/**
 * Checks a range as the server will (grid.ParseStatsQuery) and returns the
 * query's from and to: to is the day after the last one, since the server
 * counts requests reported before it.
 */
export function checkRange(range: DateRange, today: string): { ok: true; from: string; to: string } | { ok: false; errors: RangeErrors } {
  const errors: RangeErrors = {};
  const from = dayNumber(range.from);
  const to = dayNumber(range.to);
  if (Number.isNaN(from)) errors.from = '请选择开始日期';
  if (Number.isNaN(to)) errors.to = '请选择结束日期';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (from > to) errors.from = '开始日期不能晚于结束日期';
  else if (from > dayNumber(today)) errors.from = '开始日期不能晚于今天';
  else if (to + 1 - from > MAX_RANGE_DAYS) errors.from = '统计区间最长 3 年';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, from: range.from, to: addDays(range.to, 1) };
}

/** "2025-11-27 至 2026-11-26". */
export function rangeLabel(range: DateRange): string {
  return `${range.from} 至 ${range.to}`;
}

// ---- the table and its export ----------------------------------------------

export interface StatsRow {
  key: string;
  name: string;
  group: StatsGroup;
  /** The zone-wide total under the groups. */
  total: boolean;
}

/**
 * The table's rows: the groups in the server's order, the total last
 * (left out when there is one group: it would repeat it).
 */
export function statsRows(stats: Stats, total: StatsGroup | null): StatsRow[] {
  const rows = stats.groups.map((g) => ({ key: g.key, name: groupName(g, stats.by), group: g, total: false }));
  if (total && stats.by !== 'zone' && stats.groups.length > 1) rows.push({ key: 'total', name: '合计', group: total, total: true });
  return rows;
}

/**
 * The CSV of the table: numbers a spreadsheet can compute with — each rate
 * as its percentage, numerator and denominator side by side, each median
 * and mean with its count.
 */
export function statsCsv(stats: Stats, total: StatsGroup | null): string {
  const header: CsvValue[] = [groupHeading(stats.by), '统计起', '统计止'];
  for (const k of KPIS) {
    switch (k.kind) {
      case 'count':
        header.push(`${k.label}（件）`);
        break;
      case 'rate':
        header.push(`${k.label}（%）`, `${k.label}分子`, `${k.label}分母`);
        break;
      case 'median':
        header.push(`${k.label}（小时）`, `${k.label}样本数`);
        break;
      case 'mean':
        header.push(`${k.label}（分）`, `${k.label}评价数`);
        break;
    }
  }
  const lines: CsvValue[][] = [header];
  for (const row of statsRows(stats, total)) {
    const g = row.group;
    const line: CsvValue[] = [row.name, csvDate(g.from), csvDate(g.to, true)];
    for (const k of KPIS) {
      switch (k.kind) {
        case 'count':
          line.push(k.key === 'reminders' ? (g.reminders ?? 0) : g[k.key as 'reported' | 'closed']);
          break;
        case 'rate': {
          const r = g[k.key as keyof StatsGroup] as Rate | null;
          if (!r) line.push(null, null, null);
          else line.push(r.denominator > 0 ? Math.round((r.numerator * 1000) / r.denominator) / 10 : null, r.numerator, r.denominator);
          break;
        }
        case 'median': {
          const m = g[k.key as 'median_response_hours' | 'median_resolution_hours'];
          line.push(m.value, m.count);
          break;
        }
        case 'mean':
          line.push(g.satisfaction.value, g.satisfaction.count);
          break;
      }
    }
    lines.push(line);
  }
  return toCsv(lines);
}

/**
 * A group's bound as a China date; the end is exclusive on the server, so
 * the last day is the one before (unless the range ends within a day).
 */
function csvDate(iso: string, end = false): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const local = t + 8 * 3_600_000;
  const day = Math.floor(local / DAY_MS);
  const midnight = local % DAY_MS === 0;
  return dateOfDay(end && midnight ? day - 1 : day);
}

/** "统计_按网格_2025-11-27_2026-11-26.csv". */
export function statsFilename(by: string, range: DateRange): string {
  return `统计_${groupingLabel(by)}_${range.from}_${range.to}.csv`;
}

// ---- the choropleth ----------------------------------------------------------

/** Light to dark: more of the figure is darker. */
export const CHOROPLETH_COLORS = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'] as const;

export interface ChoroplethClass {
  color: string;
  /** Lower bound, included. */
  from: number;
  /** Upper bound, included for the last class. */
  to: number;
}

/**
 * Equal-interval classes over the values' own range (rates of the grids
 * often lie between 90 and 100 %: a 0–100 % scale would paint them all
 * alike). One class when every value is the same; none without values.
 */
export function choroplethClasses(values: readonly (number | null)[], n = CHOROPLETH_COLORS.length): ChoroplethClass[] {
  const vs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (vs.length === 0) return [];
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  if (hi === lo) return [{ color: CHOROPLETH_COLORS[CHOROPLETH_COLORS.length - 1], from: lo, to: hi }];
  const k = Math.max(1, Math.min(n, CHOROPLETH_COLORS.length));
  const step = (hi - lo) / k;
  // With fewer classes, spread them over the whole ramp.
  const color = (i: number) => CHOROPLETH_COLORS[k === 1 ? CHOROPLETH_COLORS.length - 1 : Math.round((i * (CHOROPLETH_COLORS.length - 1)) / (k - 1))];
  return Array.from({ length: k }, (_, i) => ({ color: color(i), from: lo + i * step, to: i === k - 1 ? hi : lo + (i + 1) * step }));
}

/** The colour of a value, or null when it has none (drawn as 无数据). */
export function classColor(classes: readonly ChoroplethClass[], v: number | null): string | null {
  if (v === null || classes.length === 0) return null;
  for (const c of classes) if (v < c.to) return c.color;
  return classes[classes.length - 1].color;
}
