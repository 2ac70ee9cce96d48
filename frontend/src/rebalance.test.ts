import { describe, expect, it } from 'vitest';
import { ApiError, type MoveFeature, type MoveProperties, type RebalanceMetrics } from './api';
import {
  DEFAULT_PLAN_INPUT,
  capacityText,
  checkPlanInput,
  confirmText,
  infeasibleText,
  inputOf,
  metricRows,
  moveKind,
  moveLine,
  moveOrder,
  moveOrgPoint,
  moveSegments,
  moveSummary,
  moveSummaryText,
  planFailure,
  tradeoffText,
} from './rebalance';

describe('the options form', () => {
  it('sends the defaults 5–8, stability 2000 m, liaisons kept in their grid, no coverage lowered, travel at most +10 %', () => {
    expect(checkPlanInput(DEFAULT_PLAN_INPUT)).toEqual({
      ok: true,
      body: { min: 5, max: 8, stability: 2000, keep_in_grid: true, allow_coverage_loss: false, max_travel_increase: 0.1 },
    });
  });

  it('sends the guards lifted only when the admin chose so', () => {
    const body = checkPlanInput({ ...DEFAULT_PLAN_INPUT, keepCoverage: false, travel: 'none' });
    expect(body).toMatchObject({ ok: true, body: { allow_coverage_loss: true, max_travel_increase: null } });
    expect(checkPlanInput({ ...DEFAULT_PLAN_INPUT, travel: '0.25' })).toMatchObject({ body: { max_travel_increase: 0.25 } });
  });

  it.each([
    [{ min: '', max: '8' }, { min: '请填写每人最少包联数' }],
    [{ min: '5.5', max: '8' }, { min: '每人最少包联数须为 0–100 的整数' }],
    [{ min: '-1', max: '8' }, { min: '每人最少包联数须为 0–100 的整数' }],
    [{ min: '5', max: '101' }, { max: '每人最多包联数须为 0–100 的整数' }],
    [{ min: '9', max: '5' }, { min: '最少包联数不能大于最多包联数' }],
    [{ min: '0', max: '0' }, { max: '最多包联数须大于 0' }],
    [{ stability: 'abc' }, { stability: '稳定性成本须为不小于 0 的米数' }],
    [{ stability: '-5' }, { stability: '稳定性成本须为不小于 0 的米数' }],
    [{ stability: '' }, { stability: '稳定性成本须为不小于 0 的米数' }],
  ])('refuses %j', (change, errors) => {
    expect(checkPlanInput({ ...DEFAULT_PLAN_INPUT, ...change })).toEqual({ ok: false, errors });
  });

  it('accepts min 0, stability 0 and liaisons across grids', () => {
    expect(checkPlanInput({ ...DEFAULT_PLAN_INPUT, min: ' 0 ', max: '12', stability: '0', keepInGrid: false })).toEqual({
      ok: true,
      body: { min: 0, max: 12, stability: 0, keep_in_grid: false, allow_coverage_loss: false, max_travel_increase: 0.1 },
    });
  });

  it('fills the form from a plan’s options to rebuild it', () => {
    expect(inputOf({ min: 6, max: 9, stability: 500, keep_in_grid: false, allow_coverage_loss: true, max_travel_increase: null })).toEqual({
      min: '6',
      max: '9',
      stability: '500',
      keepInGrid: false,
      keepCoverage: false,
      travel: 'none',
    });
    expect(inputOf({ stability: 2000, keep_in_grid: true })).toEqual(DEFAULT_PLAN_INPUT);
    expect(inputOf({ stability: 2000, keep_in_grid: true, max_travel_increase: 0.25 }).travel).toBe('0.25');
  });
});

function metrics(over: Partial<RebalanceMetrics> = {}): RebalanceMetrics {
  return {
    objective: 3648064.74,
    load_min: 5,
    load_max: 8,
    load_spread: 3,
    under_min: 0,
    over_max: 0,
    total_distance: 68064.74,
    longest_distance: 1500.32,
    moves: 0,
    covered: 256,
    uncovered: 148,
    by_class: {
      open_requests: { covered: 5, total: 5 },
      key_enterprise: { covered: 84, total: 119 },
      enterprise: { covered: 106, total: 176 },
      other: { covered: 61, total: 104 },
    },
    cross_grid: 0,
    ...over,
  };
}

describe('the metrics table', () => {
  const after = metrics({
    load_min: 8,
    load_spread: 0,
    total_distance: 126885.35,
    longest_distance: 4576.62,
    moves: 104,
    covered: 288,
    uncovered: 116,
    by_class: {
      open_requests: { covered: 5, total: 5 },
      key_enterprise: { covered: 119, total: 119 },
      enterprise: { covered: 139, total: 176 },
      other: { covered: 25, total: 104 },
    },
  });
  const rows = Object.fromEntries(metricRows(metrics(), after).map((r) => [r.key, r]));

  it('shows load, travel, moves, coverage by class and cross-grid pairs', () => {
    expect(Object.keys(rows)).toEqual([
      'load_min',
      'load_max',
      'load_spread',
      'under_min',
      'over_max',
      'total_distance',
      'longest_distance',
      'moves',
      'covered',
      'class:open_requests',
      'class:other',
      'class:key_enterprise',
      'class:enterprise',
      'cross_grid',
    ]);
  });

  it('words each row before and after, with the change and whether it is for the better', () => {
    expect(rows.load_spread).toMatchObject({ before: '3', after: '0', delta: '−3', tone: 'better' });
    expect(rows.total_distance).toMatchObject({ before: '68.1 千米', after: '126.9 千米', delta: '+58.8 千米', tone: 'worse' });
    expect(rows.longest_distance).toMatchObject({ before: '1.50 千米', after: '4.58 千米' });
    expect(rows.moves).toMatchObject({ before: '0 处', after: '104 处', tone: 'neutral' });
    expect(rows.cross_grid).toMatchObject({ delta: '0', tone: 'same' });
  });

  it('gives coverage as rates with their counts', () => {
    expect(rows.covered).toMatchObject({ before: '63.4%（256/404）', after: '71.3%（288/404）', delta: '+32', tone: 'better' });
    expect(rows['class:key_enterprise']).toMatchObject({ before: '70.6%（84/119）', after: '100.0%（119/119）', delta: '+35', indent: true });
    expect(rows['class:other']).toMatchObject({ delta: '−36', tone: 'worse' });
  });
});

function move(id: number, from: number | null, to: number | null, over: Partial<MoveProperties> = {}): MoveFeature {
  const coords = [
    ...(from !== null ? [[113.30, 33.74]] : []),
    [113.31, 33.75],
    ...(to !== null ? [[113.32, 33.76]] : []),
  ];
  return {
    type: 'Feature',
    id,
    geometry: { type: 'LineString', coordinates: coords },
    properties: {
      org_id: id,
      org_name: `组织${id}`,
      grid_id: 1,
      from_liaison_id: from,
      from_liaison_name: from === null ? null : `联络员${from}`,
      to_liaison_id: to,
      to_liaison_name: to === null ? null : `联络员${to}`,
      distance_m: to === null ? null : 415,
      from_distance_m: from === null ? null : 1500,
      ...over,
    },
  };
}

describe('moves', () => {
  it('sums up what a plan does', () => {
    const moves = [move(1, null, 9), move(2, 3, 9), move(3, null, 4), move(4, 5, null)].map((m) => m.properties);
    expect(moves.map(moveKind)).toEqual(['cover', 'reassign', 'cover', 'uncover']);
    const s = moveSummary(moves);
    expect(s).toEqual({ cover: 2, reassign: 1, uncover: 1, total: 4 });
    expect(moveSummaryText(s)).toBe('4 处调整：新增包联 2 家、调整联络员 1 家、取消包联 1 家');
    expect(moveSummaryText(moveSummary([]))).toBe('无需调整：当前包联已是最优');
  });

  it('words one move with both distances', () => {
    expect(moveLine(move(2, 3, 9).properties)).toEqual({ from: '联络员3', to: '联络员9', detail: '原 1.50 千米 · 新 415 米' });
    expect(moveLine(move(1, null, 9).properties)).toEqual({ from: '无', to: '联络员9', detail: '新 415 米' });
  });

  it('lists reassignments first within a grid', () => {
    const ordered = moveOrder([move(1, null, 9), move(2, 3, 9, { grid_id: 2 }), move(3, 4, 5)]);
    expect(ordered.map((m) => m.id)).toEqual([3, 1, 2]);
  });

  it('splits a line into the pair ended and the pair made, old to new', () => {
    const both = moveSegments(move(2, 3, 9));
    expect(both.map((s) => [s.properties.role, s.geometry.coordinates])).toEqual([
      ['from', [[113.30, 33.74], [113.31, 33.75]]],
      ['to', [[113.31, 33.75], [113.32, 33.76]]],
    ]);
    expect(moveSegments(move(1, null, 9)).map((s) => [s.properties.role, s.properties.kind, s.geometry.coordinates])).toEqual([
      ['to', 'cover', [[113.31, 33.75], [113.32, 33.76]]],
    ]);
    expect(moveSegments(move(4, 5, null)).map((s) => [s.properties.role, s.geometry.coordinates])).toEqual([
      ['from', [[113.30, 33.74], [113.31, 33.75]]],
    ]);
  });

  it('finds the organization on the line', () => {
    expect(moveOrgPoint(move(2, 3, 9))).toEqual([113.31, 33.75]);
    expect(moveOrgPoint(move(1, null, 9))).toEqual([113.31, 33.75]);
    expect(moveOrgPoint(move(4, 5, null))).toEqual([113.31, 33.75]);
  });
});

describe('the solver’s reasons', () => {
  it.each([
    ['min: grid 新材料产业网格 has 87 organizations for 8 liaisons with min 20', '网格「新材料产业网格」只有 87 家组织，不够 8 名联络员每人至少 20 家'],
    ['grid 新能源 has 4 organizations for 2 liaisons with min 5', '网格「新能源」只有 4 家组织，不够 2 名联络员每人至少 5 家'],
    ['min: the zone has 404 organizations for 36 liaisons with min 20', '全园区只有 404 家组织，不够 36 名联络员每人至少 20 家'],
    ['min: grid 新能源 has 1 organization for 1 liaison with minimums adding up to 9', '网格「新能源」只有 1 家组织，不够 1 名联络员最少包联数合计 9 家'],
    [
      'min: liaison 刘成明 needs 3 more organizations to reach their minimum (min 5) but only 1 can be assigned to them',
      '联络员 刘成明还需 3 家组织才能达到下限（每人至少 5 家），但只有 1 家可分配给他们',
    ],
    [
      'min: liaisons 甲, 乙, 丙 and 2 more need 9 more organizations to reach their minimum (min 5) but only 4 can be assigned to them',
      '联络员 甲、乙、丙 等（另有 2 名）还需 9 家组织才能达到下限（每人至少 5 家），但只有 4 家可分配给他们',
    ],
  ])('words %s', (detail, want) => {
    expect(infeasibleText(detail)).toBe(want);
  });

  it('leaves text it does not know alone', () => {
    expect(infeasibleText('something else')).toBeNull();
  });

  it('sorts failures: 422 infeasible, 409 stale, 400 by field', () => {
    const f = planFailure(new ApiError(422, 'infeasible', 'Unprocessable Entity', 'min: the zone has 404 organizations for 36 liaisons with min 20', 'min'));
    expect(f).toEqual({
      kind: 'infeasible',
      message: '全园区只有 404 家组织，不够 36 名联络员每人至少 20 家',
      detail: 'the zone has 404 organizations for 36 liaisons with min 20',
    });
    expect(planFailure(new ApiError(409, 'conflict', 'Conflict', 'stale')).kind).toBe('stale');
    expect(planFailure(new ApiError(400, 'invalid', 'Bad Request', 'min: min 9 exceeds max 5', 'min'))).toEqual({
      kind: 'field',
      field: 'min',
      message: '最少包联数不符合要求',
    });
    expect(planFailure(new ApiError(422, 'infeasible', 'x', 'new words')).message).toBe('无法满足包联数下限');
    expect(planFailure(new Error('x')).kind).toBe('other');
  });
});

// The demo zone's figures: today, the default plan, and the old default
// (allow_coverage_loss, no travel bound), as TestRebalanceDemoTradeoffs prints them.
function demoBefore(): RebalanceMetrics {
  return metrics({
    by_kind: { enterprise: { covered: 195, total: 300 }, new_economic: { covered: 49, total: 85 }, social: { covered: 12, total: 19 } },
    kept: 256,
    reassigned: 0,
    dropped: 0,
    added: 0,
  });
}

describe('what a plan trades', () => {
  const before = demoBefore();
  const after = metrics({
    total_distance: 74823.1,
    moves: 17,
    covered: 273,
    uncovered: 131,
    by_kind: { enterprise: { covered: 197, total: 300 }, new_economic: { covered: 63, total: 85 }, social: { covered: 13, total: 19 } },
    kept: 256,
    reassigned: 0,
    dropped: 0,
    added: 17,
  });
  const unbounded = metrics({
    total_distance: 89100,
    covered: 288,
    by_kind: { enterprise: { covered: 206, total: 300 }, new_economic: { covered: 66, total: 85 }, social: { covered: 16, total: 19 } },
  });
  const plan = {
    id: 12,
    before,
    after,
    moves: new Array(17).fill(null),
    options: { stability: 2000, keep_in_grid: true, cross_grid_penalty: 5000, candidate_limit: 12, weights: {}, allow_coverage_loss: false, max_travel_increase: 0.1 },
    tradeoffs: {
      keep_coverage: true,
      max_travel_increase: 0.1,
      travel_limit: 74871,
      coverage_kept: true,
      lowered: [],
      travel_within_limit: true,
      unbounded,
      reasons: ['travel_limit_binding', 'capacity_short'],
    },
  };

  it('shows coverage per kind and the stability rows in the table', () => {
    const rows = Object.fromEntries(metricRows(before, after).map((r) => [r.key, r]));
    expect(rows['kind:social']).toMatchObject({ label: '社会组织', before: '63.2%（12/19）', after: '68.4%（13/19）', delta: '+1', tone: 'better' });
    expect(rows['kind:new_economic']).toMatchObject({ before: '57.6%（49/85）', after: '74.1%（63/85）' });
    expect(rows.kept).toMatchObject({ before: '256 对', after: '256 对', tone: 'same' });
    expect(rows.dropped).toMatchObject({ after: '0 家' });
    expect(rows.added).toMatchObject({ after: '17 家', tone: 'better' });
  });

  it('says the guards, that no kind loses coverage, the travel against its bound, and why it stops there', () => {
    const t = tradeoffText(plan);
    // 74.9 km is the ceiling, not an increase of 74.9 km.
    expect(t.guards).toBe('不降低任何一类组织的覆盖；总路程不超过 74.9 千米（至多 +10 %）');
    expect(t.kinds).toBe('企业 195 → 197 家（共 300 家）、新经济组织 49 → 63 家（共 85 家）、社会组织 12 → 13 家（共 19 家）');
    expect(t.coverage).toBe('每一类组织的覆盖都不减少：现有有联络员的企业、新经济组织、社会组织全部仍在覆盖之内');
    expect(t.coverageLowered).toBe(false);
    expect(t.travel).toBe('总路程 68.1 千米 → 74.8 千米（+9.9 %，上限 +10 %），最远 1.50 千米 → 1.50 千米');
    expect(t.stability).toBe('现有 256 对包联保留 256 对，换联络员 0 家，失去联络员 0 家，新纳入 17 家');
    expect(t.reasons).toEqual([
      '受总路程上限限制：不设上限可再纳入 15 家（企业 9 家、新经济组织 3 家、社会组织 3 家），总路程将为 89.1 千米',
      '现有联络员的包联容量不足以覆盖全部组织：见“全覆盖需要多少联络员”',
    ]);
  });

  it('puts it in the confirmation, which used to say only how many would move', () => {
    const lines = confirmText(plan);
    expect(lines[0]).toBe('确认应用方案 #12？将调整 17 家组织的包联关系（原包联结束，新包联即日生效，记入审计日志）。');
    expect(lines).toContain('每一类组织的覆盖都不减少：现有有联络员的企业、新经济组织、社会组织全部仍在覆盖之内。');
    expect(lines.join('')).toContain('社会组织 12 → 13 家');
    expect(lines.join('')).toContain('总路程 68.1 千米 → 74.8 千米');
    // Priority classes too, not only kinds (issue 13 point 4).
    expect(lines).toContain(
      '重点类别：有在办诉求的组织 5 → 5 家、新经济和社会组织（无在办诉求） 61 → 61 家、高新技术/专精特新企业 84 → 84 家、其他企业 106 → 106 家。',
    );
  });

  it('gives the real cause when even the plan of least travel breaks the bound: the minimum load', () => {
    const over = metrics({ ...after, total_distance: 82956 });
    const p = {
      ...plan,
      after: over,
      options: { ...plan.options, min: 8 },
      tradeoffs: { ...plan.tradeoffs, travel_within_limit: false, reasons: ['travel_limit_unreachable', 'travel_min_load', 'capacity_short'] },
    };
    const t = tradeoffText(p);
    expect(t.travelOver).toBe(true);
    expect(t.reasons[0]).toBe('总路程无法控制在上限内：在覆盖不减少的保障下，路程最短的方案也需 83.0 千米（上限 74.9 千米）');
    expect(t.reasons[1]).toBe('原因是每人最少 8 家的包联数：不设最少包联数即可控制在上限内');
    expect(t.reasons.join('')).not.toContain('现有包联中有超出上限或跨网格的关系');
  });

  it('warns when the admin let coverage fall: the old default on the demo', () => {
    const old = metrics({
      total_distance: 126885.35,
      longest_distance: 4576.62,
      moves: 104,
      covered: 288,
      by_kind: { enterprise: { covered: 263, total: 300 }, new_economic: { covered: 23, total: 85 }, social: { covered: 2, total: 19 } },
      kept: 220,
      reassigned: 0,
      dropped: 36,
      added: 68,
    });
    const p = {
      ...plan,
      after: old,
      moves: new Array(104).fill(null),
      options: { ...plan.options, allow_coverage_loss: true, max_travel_increase: null },
      tradeoffs: {
        keep_coverage: false,
        max_travel_increase: null,
        travel_limit: null,
        coverage_kept: false,
        lowered: [
          { by: 'kind' as const, key: 'new_economic', before: 49, after: 23 },
          { by: 'kind' as const, key: 'social', before: 12, after: 2 },
        ],
        travel_within_limit: true,
        reasons: ['coverage_loss_allowed'],
      },
    };
    const lines = confirmText(p);
    expect(lines).toContain('⚠ 覆盖减少：新经济组织 49 → 23 家、社会组织 12 → 2 家。');
    expect(lines.join('')).toContain('总路程 68.1 千米 → 126.9 千米（+86.4 %）');
    expect(tradeoffText(p).guards).toBe('允许降低部分组织的覆盖；总路程不设上限');
  });

  it('words an older plan without tradeoffs from its metrics', () => {
    const t = tradeoffText({ before: metrics(), after: metrics({ covered: 250 }), options: plan.options, tradeoffs: null });
    expect(t.kinds).toBe('');
    expect(t.coverageLowered).toBe(false);
    expect(t.reasons).toEqual([]);
  });
});

describe('the capacity answer', () => {
  it('says how many liaisons full coverage needs, and where', () => {
    const w = capacityText({
      zone_id: 1,
      organizations: 404,
      liaisons: 36,
      capacity: 288,
      uncoverable: 116,
      liaisons_needed: 16,
      new_liaison_min: 5,
      new_liaison_max: 8,
      grids: [
        {
          grid_id: 5,
          grid_name: '现代服务产业网格',
          organizations: 48,
          liaisons: 4,
          capacity: 32,
          uncoverable: 16,
          liaisons_needed: 2,
          by_kind: { enterprise: 10, new_economic: 5, social: 1 },
          left: [{ id: 9, name: '平顶山高新区百川养老服务中心', kind: 'social', class: 'other' }],
        },
        { grid_id: 6, grid_name: '生物医药产业网格', organizations: 10, liaisons: 2, capacity: 16, uncoverable: 0, liaisons_needed: 0, by_kind: {}, left: [] },
      ],
    });
    expect(w.zone).toBe('全园区 404 家组织，36 名联络员最多可包联 288 家，116 家无法覆盖；全覆盖还需 16 名联络员（每人按 5–8 家计）');
    expect(w.grids).toEqual([
      {
        id: 5,
        name: '现代服务产业网格',
        text: '48 家组织，4 名联络员可包联 32 家；16 家无法覆盖（企业 10、新经济组织 5、社会组织 1），需增 2 名',
        left: ['平顶山高新区百川养老服务中心（社会组织）'],
      },
    ]);
  });
});
