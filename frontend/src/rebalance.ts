// Liaison rebalancing (包联优化) as pure logic: the options form and its
// checks, the before/after metrics table, what a plan's moves amount to,
// the lines the map draws for them, and the solver's reasons in Chinese.
// The panel that uses it is rebalancepanel.ts.
import type { Feature, LineString } from 'geojson';
import {
  ApiError,
  type MoveFeature,
  type MoveProperties,
  type PlanMove,
  type PlanSummary,
  type RebalanceCapacity,
  type RebalanceMetrics,
  type RebalanceOptions,
  type RebalanceRequest,
  type RebalanceTradeoffs,
} from './api';
import { formatDistance, formatShare, signed } from './format';
import { kindLabel, orgKinds } from './i18n';

/** The server's bounds (grid.MaxRebalanceLoad, the metre values' maximum). */
export const MAX_LOAD = 100;
export const MAX_METRES = 1e9;

/** The bounds on total travel the form offers: a fraction, or 'none'. */
export const TRAVEL_CHOICES: readonly [string, string][] = [
  ['0.1', '至多 +10 %（默认）'],
  ['0.25', '至多 +25 %'],
  ['0.5', '至多 +50 %'],
  ['none', '不设上限'],
];

/**
 * What the form starts with: the zone's usual 5–8, the solver's default
 * stability, no kind's coverage lowered, travel at most +10 %.
 */
export const DEFAULT_PLAN_INPUT: PlanInput = { min: '5', max: '8', stability: '2000', keepInGrid: true, keepCoverage: true, travel: '0.1' };

/** What the admin typed. */
export interface PlanInput {
  min: string;
  max: string;
  /** Metres: what moving one organization away from its liaison costs. */
  stability: string;
  keepInGrid: boolean;
  /** No kind or priority class may cover fewer organizations than now. */
  keepCoverage: boolean;
  /** The bound on total travel: a fraction of today's ('0.1'), or 'none'. */
  travel: string;
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
  const travel = input.travel === 'none' ? null : Number(input.travel);
  return {
    ok: true,
    body: {
      min,
      max,
      stability,
      keep_in_grid: input.keepInGrid,
      allow_coverage_loss: !input.keepCoverage,
      max_travel_increase: travel !== null && Number.isFinite(travel) ? travel : null,
    },
  };
}

/** The form's fields for a plan's options (to rebuild with the same ones). */
export function inputOf(
  options: Pick<RebalanceOptions, 'min' | 'max' | 'stability' | 'keep_in_grid' | 'allow_coverage_loss' | 'max_travel_increase'>,
): PlanInput {
  const x = options.max_travel_increase;
  return {
    min: options.min === undefined ? DEFAULT_PLAN_INPUT.min : String(options.min),
    max: options.max === undefined ? DEFAULT_PLAN_INPUT.max : String(options.max),
    stability: String(options.stability),
    keepInGrid: options.keep_in_grid,
    keepCoverage: !options.allow_coverage_loss,
    travel: x === undefined ? DEFAULT_PLAN_INPUT.travel : x === null ? 'none' : String(x),
  };
}

/** The priority classes, most urgent first under the default weights, as the metrics table names them. */
export const CLASS_LABELS: readonly [string, string][] = [
  ['open_requests', '有在办诉求的组织'],
  ['other', '新经济和社会组织（无在办诉求）'],
  ['key_enterprise', '高新技术/专精特新企业'],
  ['enterprise', '其他企业'],
];

/** A priority class's label. */
export const classLabel = (c: string): string => CLASS_LABELS.find(([k]) => k === c)?.[1] ?? c;

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
  // Coverage per kind of organization, then per priority class (older plans have no kinds).
  if (before.by_kind && after.by_kind) {
    for (const k of orgKinds) {
      const b = before.by_kind[k] ?? { covered: 0, total: 0 };
      const a = after.by_kind[k] ?? { covered: 0, total: 0 };
      rows.push({
        key: `kind:${k}`,
        label: kindLabel(k),
        before: formatShare(b.covered, b.total),
        after: formatShare(a.covered, a.total),
        delta: a.covered === b.covered ? '0' : signed(a.covered - b.covered),
        tone: tone(b.covered, a.covered, 'high'),
        indent: true,
      });
    }
  }
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
  if (after.kept !== undefined) {
    const stable = (key: 'kept' | 'reassigned' | 'dropped' | 'added', label: string, better: 'high' | 'low' | 'none'): MetricRow => {
      const a = after[key] ?? 0;
      const b = key === 'kept' ? (before.kept ?? before.covered) : 0;
      return { key, label, before: key === 'kept' ? `${b} 对` : '—', after: `${a} ${key === 'kept' ? '对' : '家'}`, delta: a === b ? '0' : signed(a - b), tone: tone(b, a, better) };
    };
    const i = rows.findIndex((r) => r.key === 'moves') + 1;
    rows.splice(
      i,
      0,
      stable('kept', '保留的现有包联', 'high'),
      stable('reassigned', '换联络员', 'none'),
      stable('dropped', '失去联络员', 'low'),
      stable('added', '新纳入包联', 'high'),
    );
  }
  rows.push(count('cross_grid', '跨网格包联', 'low', ' 对'));
  return rows;
}

/** "+9.9 %": the change of total travel as a share of today's. */
function travelChange(before: number, after: number): string {
  if (before <= 0) return after > 0 ? '新增' : '0 %';
  const pct = ((after - before) / before) * 100;
  return `${signed(pct, 1)} %`;
}

const percentOf = (x: number): string => `${Number((x * 100).toFixed(1))} %`;

/** A kind's coverage before and after: "社会组织 12 → 13 家". */
function kindChange(before: RebalanceMetrics, after: RebalanceMetrics, kind: string): string {
  const b = before.by_kind?.[kind] ?? { covered: 0, total: 0 };
  const a = after.by_kind?.[kind] ?? { covered: 0, total: 0 };
  return `${kindLabel(kind)} ${b.covered} → ${a.covered} 家（共 ${a.total} 家）`;
}

/** What a plan trades, in sentences for the plan view and the confirmation. */
export interface TradeoffText {
  /** The guards the plan was built under. */
  guards: string;
  /** Coverage of each kind, before → after. */
  kinds: string;
  /** Coverage of each priority class, before → after. */
  classes: string;
  /** That no kind lost coverage, or which did: shown as a warning. */
  coverage: string;
  coverageLowered: boolean;
  /** Total and longest travel, with the bound. */
  travel: string;
  travelOver: boolean;
  /** Pairs kept, reassigned, dropped and added. */
  stability: string;
  /** Why the plan stops where it does (the travel bound, capacity, broken pairs). */
  reasons: string[];
}

/** Words a plan's trade-offs; older plans (no by_kind, no tradeoffs) get what their metrics allow. */
export function tradeoffText(p: Pick<PlanSummary, 'before' | 'after' | 'tradeoffs' | 'options'>): TradeoffText {
  const { before: b, after: a } = p;
  const t: RebalanceTradeoffs | null | undefined = p.tradeoffs;
  const keep = t ? t.keep_coverage : !p.options.allow_coverage_loss;
  const x = t ? t.max_travel_increase : (p.options.max_travel_increase ?? null);
  const guards = [
    keep ? '不降低任何一类组织的覆盖' : '允许降低部分组织的覆盖',
    // The distance is the ceiling, not the increase.
    x === null || x === undefined
      ? '总路程不设上限'
      : t?.travel_limit
        ? `总路程不超过 ${formatDistance(t.travel_limit)}（至多 +${percentOf(x)}）`
        : `总路程至多 +${percentOf(x)}`,
  ].join('；');
  const kinds = b.by_kind && a.by_kind ? orgKinds.map((k) => kindChange(b, a, k)).join('、') : '';
  const classes = CLASS_LABELS.map(([c, label]) => `${label} ${b.by_class[c]?.covered ?? 0} → ${a.by_class[c]?.covered ?? 0} 家`).join('、');

  // Lowered kinds and classes: from the plan when it says, else from the metrics.
  const lowered: { by: string; key: string; before: number; after: number }[] = t
    ? t.lowered
    : [
        ...orgKinds.flatMap((k) => {
          const bb = b.by_kind?.[k]?.covered ?? 0;
          const aa = a.by_kind?.[k]?.covered ?? 0;
          return aa < bb ? [{ by: 'kind', key: k, before: bb, after: aa }] : [];
        }),
        ...CLASS_LABELS.flatMap(([c]) => {
          const bb = b.by_class[c]?.covered ?? 0;
          const aa = a.by_class[c]?.covered ?? 0;
          return aa < bb ? [{ by: 'class', key: c, before: bb, after: aa }] : [];
        }),
      ];
  const coverageLowered = lowered.length > 0;
  let coverage: string;
  if (coverageLowered) {
    coverage = `覆盖减少：${lowered.map((l) => `${l.by === 'kind' ? kindLabel(l.key) : classLabel(l.key)} ${l.before} → ${l.after} 家`).join('、')}`;
  } else {
    const kept = orgKinds.filter((k) => (b.by_kind?.[k]?.covered ?? 0) > 0).map(kindLabel);
    coverage = `每一类组织的覆盖都不减少${kept.length > 0 ? `：现有有联络员的${kept.join('、')}全部仍在覆盖之内` : ''}`;
    if ((a.dropped ?? 0) > 0) coverage = `每一类组织的覆盖都不减少（${a.dropped} 家换由同类组织补上）`;
  }

  const travelOver = t ? !t.travel_within_limit : false;
  const travel = `总路程 ${formatDistance(b.total_distance)} → ${formatDistance(a.total_distance)}（${travelChange(b.total_distance, a.total_distance)}${
    x !== null && x !== undefined ? `，上限 +${percentOf(x)}` : ''
  }），最远 ${formatDistance(b.longest_distance)} → ${formatDistance(a.longest_distance)}`;
  const stability =
    a.kept !== undefined
      ? `现有 ${b.covered} 对包联保留 ${a.kept} 对，换联络员 ${a.reassigned ?? 0} 家，失去联络员 ${a.dropped ?? 0} 家，新纳入 ${a.added ?? 0} 家`
      : `调整 ${a.moves} 处包联关系`;

  const reasons: string[] = [];
  for (const r of t?.reasons ?? []) {
    switch (r) {
      case 'travel_limit_binding': {
        const u = t?.unbounded;
        const more = u ? u.covered - a.covered : 0;
        const kindsMore = u?.by_kind
          ? orgKinds
              .map((k) => [k, (u.by_kind?.[k]?.covered ?? 0) - (a.by_kind?.[k]?.covered ?? 0)] as const)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${kindLabel(k)} ${n} 家`)
          : [];
        reasons.push(
          `受总路程上限限制：不设上限可再纳入 ${more} 家${kindsMore.length ? `（${kindsMore.join('、')}）` : ''}，总路程将为 ${formatDistance(u?.total_distance)}`,
        );
        break;
      }
      case 'travel_limit_unreachable':
        // The plan is the one of least travel the other guards and rules allow.
        reasons.push(
          `总路程无法控制在上限内：${keep ? '在覆盖不减少的保障下，' : ''}路程最短的方案也需 ${formatDistance(a.total_distance)}${
            t?.travel_limit ? `（上限 ${formatDistance(t.travel_limit)}）` : ''
          }`,
        );
        break;
      case 'travel_min_load': {
        const min = p.options.min;
        reasons.push(`原因是${min !== undefined && min !== null ? `每人最少 ${min} 家的` : '联络员的最少'}包联数：不设最少包联数即可控制在上限内`);
        break;
      }
      case 'capacity_short':
        reasons.push('现有联络员的包联容量不足以覆盖全部组织：见“全覆盖需要多少联络员”');
        break;
      case 'rules_drop_pairs':
        reasons.push('部分现有包联超出联络员上限或跨网格，不能全部保留');
        break;
      case 'coverage_loss_allowed':
        reasons.push('已选择“允许降低覆盖”');
        break;
      case 'no_current_travel':
        reasons.push('当前没有包联，总路程上限不适用');
        break;
    }
  }
  return { guards, kinds, classes, coverage, coverageLowered, travel, travelOver, stability, reasons };
}

/** The confirmation's text: what applying does, and what it trades. */
export function confirmText(p: Pick<PlanSummary, 'id' | 'before' | 'after' | 'tradeoffs' | 'options'> & { moves: readonly unknown[] }): string[] {
  const t = tradeoffText(p);
  const lines = [`确认应用方案 #${p.id}？将调整 ${p.moves.length} 家组织的包联关系（原包联结束，新包联即日生效，记入审计日志）。`];
  if (t.kinds) lines.push(`覆盖：${t.kinds}。`);
  lines.push(`重点类别：${t.classes}。`);
  lines.push(`${t.coverageLowered ? '⚠ ' : ''}${t.coverage}。`);
  lines.push(`${t.travelOver ? '⚠ ' : ''}${t.travel}。`);
  lines.push(`${t.stability}。`);
  return lines;
}

/** The capacity answer in words: the zone's line, and one per grid that falls short. */
export function capacityText(c: RebalanceCapacity): { zone: string; grids: { id: number; name: string; text: string; left: string[] }[] } {
  const zone =
    c.uncoverable === 0
      ? `全园区 ${c.organizations} 家组织，${c.liaisons} 名联络员最多可包联 ${c.capacity} 家：现有联络员足以全覆盖`
      : `全园区 ${c.organizations} 家组织，${c.liaisons} 名联络员最多可包联 ${c.capacity} 家，${c.uncoverable} 家无法覆盖；全覆盖还需 ${c.liaisons_needed} 名联络员（每人按 ${c.new_liaison_min}–${c.new_liaison_max} 家计）`;
  const grids = c.grids
    .filter((g) => g.uncoverable > 0)
    .map((g) => {
      const byKind = orgKinds.filter((k) => (g.by_kind[k] ?? 0) > 0).map((k) => `${kindLabel(k)} ${g.by_kind[k]}`);
      const name = g.grid_id === 0 ? '未划入网格' : g.grid_name;
      return {
        id: g.grid_id,
        name,
        text: `${g.organizations} 家组织，${g.liaisons} 名联络员可包联 ${g.capacity} 家；${g.uncoverable} 家无法覆盖（${byKind.join('、')}），需增 ${g.liaisons_needed} 名`,
        left: g.left.map((o) => `${o.name}（${kindLabel(o.kind)}）`),
      };
    });
  return { zone, grids };
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
