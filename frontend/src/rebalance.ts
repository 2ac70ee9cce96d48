// Liaison rebalancing (包联优化) as pure logic: the options form and its
// checks, the before/after metrics table, what a plan's moves amount to,
// the lines the map draws for them, and the solver's reasons in Chinese.
// The panel that uses it is rebalancepanel.ts.
import type { Feature, LineString } from 'geojson';
import { ApiError, type MoveFeature, type MoveProperties, type PlanMove, type RebalanceMetrics, type RebalanceRequest } from './api';
import { formatDistance, formatShare, signed } from './format';

/** The server's bounds (grid.MaxRebalanceLoad, the metre values' maximum). */
export const MAX_LOAD = 100;
export const MAX_METRES = 1e9;

/** What the form starts with: the zone's usual 5–8, the solver's default stability. */
export const DEFAULT_PLAN_INPUT: PlanInput = { min: '5', max: '8', stability: '2000', keepInGrid: true };

/** What the admin typed. */
export interface PlanInput {
  min: string;
  max: string;
  /** Metres: what moving one organization away from its liaison costs. */
  stability: string;
  keepInGrid: boolean;
}

export type PlanErrors = Partial<Record<'min' | 'max' | 'stability', string>>;

/** Checks the options form as the server will (grid.RebalanceRequest.Options) and builds the body. */
export function checkPlanInput(input: PlanInput): { ok: true; body: RebalanceRequest } | { ok: false; errors: PlanErrors } {
  const errors: PlanErrors = {};
  const int = (s: string, field: 'min' | 'max', label: string): number | undefined => {
    const t = s.trim();
    if (t === '') {
      errors[field] = `请填写${label}`;
      return undefined;
    }
    if (!/^\d+$/.test(t) || Number(t) > MAX_LOAD) {
      errors[field] = `${label}须为 0–${MAX_LOAD} 的整数`;
      return undefined;
    }
    return Number(t);
  };
  const min = int(input.min, 'min', '每人最少包联数');
  const max = int(input.max, 'max', '每人最多包联数');
  if (min !== undefined && max !== undefined && min > max) errors.min = '最少包联数不能大于最多包联数';
  else if (max === 0) errors.max = '最多包联数须大于 0';
  const st = input.stability.trim();
  const stability = Number(st);
  if (st === '' || !Number.isFinite(stability) || stability < 0 || stability > MAX_METRES) errors.stability = '稳定性成本须为不小于 0 的米数';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, body: { min, max, stability, keep_in_grid: input.keepInGrid } };
}

/** The form's fields for a plan's options (to rebuild with the same ones). */
export function inputOf(options: { min?: number; max?: number; stability: number; keep_in_grid: boolean }): PlanInput {
  return {
    min: options.min === undefined ? DEFAULT_PLAN_INPUT.min : String(options.min),
    max: options.max === undefined ? DEFAULT_PLAN_INPUT.max : String(options.max),
    stability: String(options.stability),
    keepInGrid: options.keep_in_grid,
  };
}

/** The priority classes, most urgent first, as the metrics table names them. */
export const CLASS_LABELS: readonly [string, string][] = [
  ['open_requests', '有在办诉求的组织'],
  ['key_enterprise', '高新技术/专精特新企业'],
  ['enterprise', '其他企业'],
  ['other', '新经济和社会组织'],
];

/** Whether a change is for the better, the worse, or none. */
export type Tone = 'better' | 'worse' | 'same' | 'neutral';

export interface MetricRow {
  key: string;
  label: string;
  before: string;
  after: string;
  /** The change, signed, in the row's unit; empty when it means nothing. */
  delta: string;
  tone: Tone;
  /** A row of the coverage-by-class block. */
  indent?: boolean;
}

function tone(before: number, after: number, better: 'high' | 'low' | 'none'): Tone {
  if (better === 'none') return 'neutral';
  if (Math.abs(after - before) < 1e-9) return 'same';
  return (after > before) === (better === 'high') ? 'better' : 'worse';
}

/**
 * The before/after table: load (min, max, spread, liaisons out of bounds),
 * travel (total, longest), moves, coverage (all and per priority class,
 * each as a rate with its counts) and cross-grid pairs.
 */
export function metricRows(before: RebalanceMetrics, after: RebalanceMetrics): MetricRow[] {
  const count = (key: keyof RebalanceMetrics, label: string, better: 'high' | 'low' | 'none', unit = ''): MetricRow => {
    const b = before[key] as number;
    const a = after[key] as number;
    return { key, label, before: `${b}${unit}`, after: `${a}${unit}`, delta: a === b ? '0' : signed(a - b), tone: tone(b, a, better) };
  };
  const distance = (key: 'total_distance' | 'longest_distance', label: string): MetricRow => {
    const b = before[key];
    const a = after[key];
    const d = a - b;
    return {
      key,
      label,
      before: formatDistance(b),
      after: formatDistance(a),
      delta: Math.abs(d) < 0.5 ? '0' : `${d > 0 ? '+' : '−'}${formatDistance(Math.abs(d))}`,
      tone: tone(b, a, 'low'),
    };
  };
  const total = (m: RebalanceMetrics) => m.covered + m.uncovered;
  const rows: MetricRow[] = [
    count('load_min', '最少包联数（人均）', 'none'),
    count('load_max', '最多包联数（人均）', 'none'),
    count('load_spread', '包联数极差', 'low'),
    count('under_min', '低于下限的联络员', 'low', ' 人'),
    count('over_max', '超过上限的联络员', 'low', ' 人'),
    distance('total_distance', '总路程'),
    distance('longest_distance', '最远路程'),
    count('moves', '调整的包联关系', 'none', ' 处'),
    {
      key: 'covered',
      label: '已包联组织',
      before: formatShare(before.covered, total(before)),
      after: formatShare(after.covered, total(after)),
      delta: after.covered === before.covered ? '0' : signed(after.covered - before.covered),
      tone: tone(before.covered, after.covered, 'high'),
    },
  ];
  for (const [cls, label] of CLASS_LABELS) {
    const b = before.by_class[cls] ?? { covered: 0, total: 0 };
    const a = after.by_class[cls] ?? { covered: 0, total: 0 };
    rows.push({
      key: `class:${cls}`,
      label,
      before: formatShare(b.covered, b.total),
      after: formatShare(a.covered, a.total),
      delta: a.covered === b.covered ? '0' : signed(a.covered - b.covered),
      tone: tone(b.covered, a.covered, 'high'),
      indent: true,
    });
  }
  rows.push(count('cross_grid', '跨网格包联', 'low', ' 对'));
  return rows;
}

/** What a move does to its organization. */
export type MoveKind = 'cover' | 'reassign' | 'uncover';

export function moveKind(m: Pick<PlanMove, 'from_liaison_id' | 'to_liaison_id'>): MoveKind {
  if (m.from_liaison_id === null) return 'cover';
  if (m.to_liaison_id === null) return 'uncover';
  return 'reassign';
}

export const MOVE_KIND_LABELS: Record<MoveKind, string> = { cover: '新增包联', reassign: '调整联络员', uncover: '取消包联' };

/** How many moves of each kind a plan makes. */
export function moveSummary(moves: readonly Pick<PlanMove, 'from_liaison_id' | 'to_liaison_id'>[]): Record<MoveKind, number> & { total: number } {
  const out = { cover: 0, reassign: 0, uncover: 0, total: moves.length };
  for (const m of moves) out[moveKind(m)]++;
  return out;
}

/** "104 处调整：新增包联 98 家、调整联络员 5 家、取消包联 1 家". */
export function moveSummaryText(s: Record<MoveKind, number> & { total: number }): string {
  if (s.total === 0) return '无需调整：当前包联已是最优';
  const parts = (['cover', 'reassign', 'uncover'] as const).filter((k) => s[k] > 0).map((k) => `${MOVE_KIND_LABELS[k]} ${s[k]} 家`);
  return `${s.total} 处调整：${parts.join('、')}`;
}

/** One move as the list words it: "刘成明 → 沈建欣", with the distances. */
export function moveLine(p: MoveProperties): { from: string; to: string; detail: string } {
  const from = p.from_liaison_name ?? (p.from_liaison_id === null ? '无' : `#${p.from_liaison_id}`);
  const to = p.to_liaison_name ?? (p.to_liaison_id === null ? '无' : `#${p.to_liaison_id}`);
  const parts: string[] = [];
  if (p.from_distance_m !== null) parts.push(`原 ${formatDistance(p.from_distance_m)}`);
  if (p.distance_m !== null) parts.push(`新 ${formatDistance(p.distance_m)}`);
  return { from, to, detail: parts.join(' · ') };
}

/** Moves in the list's order: grid, then kind (new cover first), then organization name. */
export function moveOrder(moves: readonly MoveFeature[]): MoveFeature[] {
  const rank: Record<MoveKind, number> = { reassign: 0, cover: 1, uncover: 2 };
  return [...moves].sort(
    (a, b) =>
      (a.properties.grid_id ?? 0) - (b.properties.grid_id ?? 0) ||
      rank[moveKind(a.properties)] - rank[moveKind(b.properties)] ||
      a.properties.org_name.localeCompare(b.properties.org_name, 'zh-CN') ||
      a.id - b.id,
  );
}

export interface SegmentProperties {
  org_id: number;
  /** "from": the pair the plan ends (old base → organization); "to": the one it makes (organization → new base). */
  role: 'from' | 'to';
  kind: MoveKind;
}

/**
 * Splits a move's line (old base → organization → new base; an end is
 * missing when there is no liaison on that side) into the pair it ends and
 * the pair it makes, so the map can draw them differently. Both run in the
 * move's direction, old to new.
 */
export function moveSegments(f: MoveFeature): Feature<LineString, SegmentProperties>[] {
  const c = f.geometry?.coordinates ?? [];
  const p = f.properties;
  const kind = moveKind(p);
  const seg = (role: 'from' | 'to', coordinates: number[][]): Feature<LineString, SegmentProperties> => ({
    type: 'Feature',
    geometry: { type: 'LineString', coordinates },
    properties: { org_id: p.org_id, role, kind },
  });
  const out: Feature<LineString, SegmentProperties>[] = [];
  const hasFrom = p.from_liaison_id !== null;
  const hasTo = p.to_liaison_id !== null;
  if (hasFrom && hasTo && c.length >= 3) return [seg('from', [c[0], c[1]]), seg('to', [c[1], c[2]])];
  if (hasFrom && !hasTo && c.length >= 2) out.push(seg('from', [c[0], c[1]]));
  if (!hasFrom && hasTo && c.length >= 2) out.push(seg('to', [c[0], c[1]]));
  return out;
}

/** The organization's point on a move's line. */
export function moveOrgPoint(f: MoveFeature): [number, number] | null {
  const c = f.geometry?.coordinates ?? [];
  if (c.length === 0) return null;
  const at = f.properties.from_liaison_id !== null && c.length >= 2 ? c[1] : c[0];
  return [at[0], at[1]];
}

const PLAN_STATUS: Record<string, string> = { draft: '草稿', applied: '已应用', stale: '已失效' };
export const planStatusLabel = (s: string): string => PLAN_STATUS[s] ?? s;

/**
 * The solver's reason (English, after a "min: " prefix) in Chinese, for
 * the cases grid/rebalance_solve.go words; null for any other text (the
 * panel then shows it as it came).
 */
export function infeasibleText(detail: string): string | null {
  const d = detail.replace(/^min:\s*/, '').trim();
  const minWords = (s: string) => {
    const one = /^min (\d+)$/.exec(s);
    if (one) return `每人至少 ${one[1]} 家`;
    const sum = /^minimums adding up to (\d+)$/.exec(s);
    return sum ? `最少包联数合计 ${sum[1]} 家` : null;
  };
  let m = /^grid (.+) has (\d+) organizations? for (\d+) liaisons? with (.+)$/.exec(d);
  if (m) {
    const need = minWords(m[4]);
    if (need) return `网格「${m[1]}」只有 ${m[2]} 家组织，不够 ${m[3]} 名联络员${need}`;
  }
  m = /^the zone has (\d+) organizations? for (\d+) liaisons? with (.+)$/.exec(d);
  if (m) {
    const need = minWords(m[3]);
    if (need) return `全园区只有 ${m[1]} 家组织，不够 ${m[2]} 名联络员${need}`;
  }
  m = /^liaisons? (.+?) needs? (\d+) more organizations? to reach their minimum \((.+)\) but only (\d+) can be assigned to them$/.exec(d);
  if (m) {
    const need = minWords(m[3]);
    if (need) return `联络员 ${m[1].replace(/, /g, '、').replace(/ and (\d+) more$/, ' 等（另有 $1 名）')}还需 ${m[2]} 家组织才能达到下限（${need}），但只有 ${m[4]} 家可分配给他们`;
  }
  return null;
}

/** What went wrong building or applying a plan, for the panel to show. */
export type PlanFailure =
  /** No plan meets the bounds (422): the reason, in Chinese when known, and as the server said it. */
  | { kind: 'infeasible'; message: string; detail: string }
  /** Applied already, or its data changed since it was built (409): offer to rebuild. */
  | { kind: 'stale'; message: string }
  /** A field of the form the server refused. */
  | { kind: 'field'; field: string; message: string }
  | { kind: 'other'; message: string };

const FIELD_MESSAGES: Record<string, string> = {
  min: '最少包联数不符合要求',
  max: '最多包联数不符合要求',
  stability: '稳定性成本不符合要求',
};

export function planFailure(err: unknown): PlanFailure {
  if (!(err instanceof ApiError)) return { kind: 'other', message: '页面出现异常，请刷新重试' };
  if (err.status === 422 || err.code === 'infeasible') {
    const zh = infeasibleText(err.detail);
    return { kind: 'infeasible', message: zh ?? '无法满足包联数下限', detail: err.detail.replace(/^min:\s*/, '') };
  }
  if (err.status === 409) return { kind: 'stale', message: '方案生成后包联、组织或诉求数据已有变化（或该方案已应用），不能再应用' };
  if (err.status === 400 && FIELD_MESSAGES[err.field]) return { kind: 'field', field: err.field, message: FIELD_MESSAGES[err.field] };
  if (err.status === 403) return { kind: 'other', message: '只有管理员可以生成和应用方案' };
  if (err.status === 404) return { kind: 'other', message: '该方案不存在' };
  if (err.status === 0) return { kind: 'other', message: '网络错误，请检查网络后重试' };
  return { kind: 'other', message: err.status >= 500 ? '服务器暂时无法处理，请稍后重试' : `操作失败（HTTP ${err.status}）` };
}
