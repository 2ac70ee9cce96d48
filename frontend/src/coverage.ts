// Organization coverage per grid (覆盖率) as pure logic: the indicators and
// their Chinese names, the table's rows, the map's labels and colours and
// the CSV export. The view that uses it is coverageview.ts.
import type { Coverage, CoverageIndicator, OrgFeature, ZoneRate } from './api';
import { toCsv, type CsvValue } from './csv';
import { formatRate, percent } from './format';
import { choroplethClasses, classColor, type ChoroplethClass } from './stats';
import type { ChoroplethEntry } from './layers/choropleth';
import { formatDate, partyOrgLabel } from './i18n';

export interface IndicatorSpec {
  key: CoverageIndicator;
  /** The selector's and the table's name. */
  label: string;
  /** Short name for the map's labels and the file name. */
  short: string;
  /** What is counted over what, for the tooltip and the summary. */
  hint: string;
  /** Whether a higher rate is the better one (standalone_gap counts gaps). */
  better: 'high' | 'low';
  /** What the gap list holds. */
  gap: string;
}

/** The indicators (DESIGN.md "Coverage indicators"), in the selector's order. */
export const INDICATORS: readonly IndicatorSpec[] = [
  { key: 'party_org', label: '党组织覆盖率', short: '党组织覆盖', hint: '建有党组织（单独或联合组建）的组织 / 在册组织', better: 'high', gap: '未建党组织的组织' },
  { key: 'standalone', label: '单独组建率', short: '单独组建', hint: '单独组建党组织的组织 / 在册组织', better: 'high', gap: '未单独组建党组织的组织' },
  {
    key: 'standalone_gap',
    label: '应建未建(3名以上党员未单独组建)',
    short: '应建未建',
    hint: '有 3 名以上党员但未单独组建党组织的组织 / 在册组织（越低越好）',
    better: 'low',
    gap: '3 名以上党员而未单独组建的组织',
  },
  { key: 'instructor', label: '党建工作覆盖率(党组织或指导员)', short: '党建工作覆盖', hint: '建有党组织或有党建指导员的组织 / 在册组织', better: 'high', gap: '既无党组织又无党建指导员的组织' },
  { key: 'liaison', label: '联络员包联率', short: '联络员包联', hint: '有在岗联络员包联的组织 / 在册组织', better: 'high', gap: '无联络员包联的组织' },
  { key: 'contact_7d', label: '7日联系率', short: '7日联系', hint: '包联组织中近 7 天有联系（含走访）的 / 包联组织', better: 'high', gap: '近 7 天未联系的包联组织' },
  { key: 'visit_30d', label: '30日走访率', short: '30日走访', hint: '包联组织中近 30 天有走访的 / 包联组织', better: 'high', gap: '近 30 天未走访的包联组织' },
];

export const indicatorSpec = (key: string): IndicatorSpec | undefined => INDICATORS.find((i) => i.key === key);

/** An indicator's Chinese name; the key itself for one this page does not know. */
export const indicatorLabel = (key: string): string => indicatorSpec(key)?.label ?? key;

export interface CoverageRow {
  /** The grid id, or "zone:<id>" for a zone's total. */
  key: string;
  gridId: number | null;
  code: string;
  name: string;
  numerator: number;
  denominator: number;
  /** "96.0%（121/126）". */
  text: string;
  /** The gap's size: denominator − numerator, or the numerator where it counts gaps. */
  gaps: number;
  total: boolean;
}

/** How many organizations an indicator's gap list holds for one figure. */
export function gapCount(indicator: CoverageIndicator, r: { numerator: number; denominator: number }): number {
  return indicator === 'standalone_gap' ? r.numerator : Math.max(0, r.denominator - r.numerator);
}

/**
 * The table's rows: the grids by code, then each zone's total ("园区合计",
 * numbered when there are several zones).
 */
export function coverageRows(c: Coverage): CoverageRow[] {
  const grids = [...c.grids].sort((a, b) => a.properties.code.localeCompare(b.properties.code) || a.id - b.id);
  const rows: CoverageRow[] = grids.map((g) => {
    const p = g.properties;
    return {
      key: String(g.id),
      gridId: g.id,
      code: p.code,
      name: p.name,
      numerator: p.numerator,
      denominator: p.denominator,
      text: formatRate(p),
      gaps: gapCount(c.indicator, p),
      total: false,
    };
  });
  for (const z of c.zones) rows.push(zoneRow(c.indicator, z, c.zones.length > 1));
  return rows;
}

function zoneRow(indicator: CoverageIndicator, z: ZoneRate, numbered: boolean): CoverageRow {
  return {
    key: `zone:${z.zone_id}`,
    gridId: null,
    code: '',
    name: numbered ? `园区 #${z.zone_id} 合计` : '园区合计',
    numerator: z.numerator,
    denominator: z.denominator,
    text: formatRate(z),
    gaps: gapCount(indicator, z),
    total: true,
  };
}

/** The zone total line above the table: "园区合计 党组织覆盖率 96.0%（121/126）". */
export function zoneSummary(c: Coverage): string {
  const spec = indicatorSpec(c.indicator);
  const name = spec?.label ?? c.indicator;
  if (c.zones.length === 0) return `${name}：无园区合计`;
  return c.zones.map((z) => `${c.zones.length > 1 ? `园区 #${z.zone_id} ` : '园区'}合计 ${name} ${formatRate(z)}`).join('；');
}

/** The grids' choropleth: a colour by rate (classes over the rates' own range) and "党组织覆盖 96.0%（121/126）". */
export function coverageChoropleth(c: Coverage): { entries: Map<number, ChoroplethEntry>; classes: ChoroplethClass[] } {
  const rateOf = (r: { numerator: number; denominator: number }) => (r.denominator > 0 ? r.numerator / r.denominator : null);
  const classes = choroplethClasses(c.grids.map((g) => rateOf(g.properties)));
  const short = indicatorSpec(c.indicator)?.short ?? c.indicator;
  const entries = new Map<number, ChoroplethEntry>();
  for (const g of c.grids) {
    entries.set(g.id, { color: classColor(classes, rateOf(g.properties)), label: `${short} ${mapRate(g.properties)}` });
  }
  return { entries, classes };
}

/** A rate as the map labels it: "96.0%（121/126）". */
export function mapRate(r: { numerator: number; denominator: number }): string {
  return `${percent(r.numerator, r.denominator)}（${r.numerator}/${r.denominator}）`;
}

/**
 * The CSV of the table: the rate as a percentage with its numerator and
 * denominator side by side, and the gap's size.
 */
export function coverageCsv(c: Coverage): string {
  const spec = indicatorSpec(c.indicator);
  const name = spec?.label ?? c.indicator;
  const lines: CsvValue[][] = [['网格编码', '网格', '指标', `${name}（%）`, '分子', '分母', '缺口（个）']];
  for (const r of coverageRows(c)) {
    lines.push([
      r.code,
      r.name,
      name,
      r.denominator > 0 ? Math.round((r.numerator * 1000) / r.denominator) / 10 : null,
      r.numerator,
      r.denominator,
      r.gaps,
    ]);
  }
  return toCsv(lines);
}

/** "覆盖率_党组织覆盖_2026-11-26.csv". */
export function coverageFilename(indicator: CoverageIndicator, today: string): string {
  return `覆盖率_${indicatorSpec(indicator)?.short ?? indicator}_${today}.csv`;
}

/** One gap organization as the list shows it: its name and what the indicator finds lacking. */
export function gapLine(indicator: CoverageIndicator, o: OrgFeature): { id: number; name: string; detail: string } {
  const p = o.properties;
  let detail: string;
  switch (indicator) {
    case 'liaison':
      detail = '无联络员';
      break;
    case 'contact_7d':
      detail = `最近联系 ${formatDate(p.last_contact_at)}`;
      break;
    case 'visit_30d':
      detail = `最近走访 ${formatDate(p.last_visit_at)}`;
      break;
    default:
      detail = `党组织${partyOrgLabel(p.party_org)} · 党员 ${p.party_members} 名`;
  }
  return { id: o.id, name: p.name, detail };
}

/** The server's file of an indicator's gap organizations (the register's columns, full names), of one grid or of the zone. */
export function gapExportUrl(indicator: CoverageIndicator, format: 'xlsx' | 'csv', gridId: number | null, base = '/api/v1'): string {
  const q = new URLSearchParams({ gap: indicator });
  if (gridId !== null) q.set('grid', String(gridId));
  return `${base}/export/organizations.${format}?${q}`;
}

/** A coverage row's rate, null without a denominator (it sorts last and is never the worst). */
export const rowRate = (r: { numerator: number; denominator: number }): number | null => (r.denominator > 0 ? r.numerator / r.denominator : null);
