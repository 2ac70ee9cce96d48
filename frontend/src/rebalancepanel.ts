// The 包联优化 panel (in the side panel): admins set the bounds, build an
// optimal plan, compare its metrics with today's, see its moves on the
// map and in a list, and apply it after confirming; a plan whose data
// changed since is refused (409) and can be rebuilt with the same options.
// Planners see the plans read-only.
import type { Api, MoveFeature, Plan, PlanSummary, RebalanceCapacity } from './api';
import { button, el, noticeLine, section } from './dom';
import { formatDateTime } from './i18n';
import { MOVE_COLORS } from './layers/moves';
import {
  DEFAULT_PLAN_INPUT,
  MOVE_KIND_LABELS,
  TRAVEL_CHOICES,
  capacityText,
  checkPlanInput,
  confirmText,
  inputOf,
  metricRows,
  moveKind,
  moveLine,
  moveOrder,
  moveSummary,
  moveSummaryText,
  planFailure,
  planStatusLabel,
  tradeoffText,
  type PlanErrors,
  type PlanFailure,
  type PlanInput,
} from './rebalance';
import type { User } from './session';
import type { PanelOwner, SidePanel } from './sidepanel';

export interface RebalanceDeps {
  api: Api;
  user: User;
  side: SidePanel;
  /** Draws a plan's moves (null: none) and whether they show. */
  onMoves(moves: MoveFeature[] | null, visible: boolean): void;
  /** A move in the list was clicked. */
  onMove(move: MoveFeature): void;
  /** A plan was applied: the map reloads the assignments. */
  onApplied(plan: Plan): void;
}

/** What the test hook shows of the panel. */
export interface PlanState {
  id: number;
  status: string;
  moves: number;
  lines: number;
}

export interface RebalancePanel {
  open(): Promise<void>;
  isOpen(): boolean;
  close(): void;
}

/** What the panel holds now; the actions and the views read and change it. */
interface State {
  input: PlanInput;
  errors: PlanErrors;
  failure: PlanFailure | null;
  notice: string;
  plan: Plan | null;
  moves: MoveFeature[];
  plans: PlanSummary[];
  /** The plan's moves are drawn on the map. */
  showMoves: boolean;
  /** The apply button asks for confirmation. */
  confirming: boolean;
  /** A plan is being built or applied. */
  busy: boolean;
  selectedMove: number | null;
  /** Each load gets a number; an answer for an older one is dropped. */
  seq: number;
  /** The panel is this view's. */
  owned: boolean;
  /** The capacity answer, once asked for; its error. */
  capacity: RebalanceCapacity | null;
  capacityError: string;
}

/** What the actions and views outside the factory need of it. */
interface Ctx {
  deps: RebalanceDeps;
  st: State;
  isAdmin: boolean;
  root: HTMLElement;
  body: HTMLElement;
  onState(s: PlanState | null): void;
  refreshList(): Promise<void>;
  showPlan(id: number, note?: string): Promise<void>;
  rebuild(): void;
}

export function createRebalancePanel(deps: RebalanceDeps, onState: (s: PlanState | null) => void): RebalancePanel {
  const { side, user } = deps;
  const { root, body } = side;
  const isAdmin = user.role === 'admin';
  const toolButton = document.getElementById('tool-rebalance') as HTMLButtonElement | null;
  const st: State = {
    input: { ...DEFAULT_PLAN_INPUT },
    errors: {},
    failure: null,
    notice: '',
    plan: null,
    moves: [],
    plans: [],
    showMoves: true,
    confirming: false,
    busy: false,
    selectedMove: null,
    seq: 0,
    owned: false,
    capacity: null,
    capacityError: '',
  };
  const ctx: Ctx = { deps, st, isAdmin, root, body, onState, refreshList, showPlan, rebuild };


  const self: PanelOwner = {
    release() {
      st.owned = false;
      st.seq++;
      st.busy = false;
      st.confirming = false;
      delete root.dataset.planId;
      delete root.dataset.planStatus;
      root.setAttribute('aria-busy', 'false');
      toolButton?.setAttribute('aria-pressed', 'false');
      deps.onMoves(null, false);
      onState(null);
    },
    busy: () => st.busy,
  };

  async function open(): Promise<void> {
    side.claim(self, 'rebalance', '包联优化');
    st.owned = true;
    toolButton?.setAttribute('aria-pressed', 'true');
    // Back to a plan shown before: its moves go on the map again.
    if (st.plan) deps.onMoves(st.moves, st.showMoves);
    render(ctx);
    const mine = ++st.seq;
    try {
      st.plans = await deps.api.plans(10);
      if (mine !== st.seq) return;
      // Show the newest plan, so a planner (or an admin back later) sees where things stand.
      if (!st.plan && st.plans.length > 0) await showPlan(st.plans[0].id);
      else render(ctx);
    } catch (err) {
      if (mine !== st.seq) return;
      st.failure = planFailure(err);
      render(ctx);
    }
  }

  async function showPlan(id: number, note = ''): Promise<void> {
    const mine = ++st.seq;
    root.setAttribute('aria-busy', 'true');
    try {
      const [p, m] = await Promise.all([deps.api.plan(id), deps.api.planMoves(id)]);
      if (mine !== st.seq) return;
      st.plan = p;
      st.moves = moveOrder(m);
      st.confirming = false;
      st.selectedMove = null;
      st.notice = note;
      deps.onMoves(st.moves, st.showMoves);
      render(ctx);
    } catch (err) {
      if (mine !== st.seq) return;
      st.failure = planFailure(err);
      render(ctx);
    } finally {
      if (mine === st.seq) root.setAttribute('aria-busy', 'false');
    }
  }

  async function refreshList(): Promise<void> {
    try {
      st.plans = await deps.api.plans(10);
    } catch (err) {
      console.warn('gridgis: listing plans failed', err);
    }
  }



  function rebuild(): void {
    if (st.plan) st.input = inputOf(st.plan.options);
    st.failure = null;
    void build(ctx);
  }

  // ---- rendering ---------------------------------------------------------------







  return {
    open,
    isOpen: () => st.owned,
    close() {
      if (side.owns(self)) side.close();
    },
  };
}

async function build(ctx: Ctx): Promise<void> {
  if (ctx.st.busy) return;
  const checked = checkPlanInput(ctx.st.input);
  if (!checked.ok) {
    ctx.st.errors = checked.errors;
    render(ctx);
    return;
  }
  ctx.st.errors = {};
  ctx.st.failure = null;
  ctx.st.notice = '';
  ctx.st.busy = true;
  const mine = ++ctx.st.seq;
  ctx.root.setAttribute('aria-busy', 'true');
  render(ctx);
  try {
    const p = await ctx.deps.api.createPlan(checked.body);
    ctx.st.busy = false;
    if (mine !== ctx.st.seq) return;
    await ctx.refreshList();
    await ctx.showPlan(p.id, `已生成方案 #${p.id}`);
  } catch (err) {
    ctx.st.busy = false;
    if (mine !== ctx.st.seq) return;
    const f = planFailure(err);
    if (f.kind === 'field') ctx.st.errors = { [f.field]: f.message };
    else ctx.st.failure = f;
    ctx.root.setAttribute('aria-busy', 'false');
    render(ctx);
    console.warn('gridgis: building a plan failed', err);
  }
}

async function apply(ctx: Ctx): Promise<void> {
  if (!ctx.st.plan || ctx.st.busy) return;
  const id = ctx.st.plan.id;
  ctx.st.busy = true;
  ctx.st.failure = null;
  ctx.st.notice = '';
  const mine = ++ctx.st.seq;
  ctx.root.setAttribute('aria-busy', 'true');
  render(ctx);
  try {
    const applied = await ctx.deps.api.applyPlan(id);
    ctx.st.busy = false;
    if (mine !== ctx.st.seq) return;
    ctx.st.confirming = false;
    ctx.deps.onApplied(applied);
    await ctx.refreshList();
    await ctx.showPlan(id, `方案已应用：${applied.move_count} 家组织的包联关系已更新`);
  } catch (err) {
    ctx.st.busy = false;
    if (mine !== ctx.st.seq) return;
    ctx.st.confirming = false;
    ctx.st.failure = planFailure(err);
    // The server marks a plan whose data changed as stale: show it so.
    await ctx.refreshList();
    try {
      ctx.st.plan = await ctx.deps.api.plan(id);
    } catch {
      // Keep what was shown.
    }
    ctx.root.setAttribute('aria-busy', 'false');
    render(ctx);
    console.warn('gridgis: applying a plan failed', err);
  }
}

function render(ctx: Ctx): void {
  if (!ctx.st.owned) return;
  const nodes: HTMLElement[] = [];
  nodes.push(
    el(
      'p',
      'muted rb-intro',
      ctx.isAdmin
        ? '在每名联络员包联数上下限内求最优方案：优先覆盖有在办诉求的组织和新经济、社会组织，再到重点企业；默认不降低任何一类组织的覆盖、总路程至多增加 10 %，尽量少调整现有包联，锁定的包联关系不动。方案生成后需确认应用才生效。'
        : '查看管理员生成的包联优化方案（只读）。',
    ),
  );
  if (ctx.isAdmin) nodes.push(optionsForm(ctx));
  if (ctx.st.notice) nodes.push(noticeLine(ctx.st.notice, 'status'));
  let alert: HTMLElement | null = null;
  if (ctx.st.failure) nodes.push((alert = failureBox(ctx, ctx.st.failure)));
  if (ctx.st.plan) nodes.push(...planView(ctx, ctx.st.plan));
  nodes.push(capacitySection(ctx));
  nodes.push(history(ctx));
  ctx.body.replaceChildren(...nodes);
  // The reason may be below the fold of a long plan: bring it up.
  alert?.scrollIntoView({ block: 'nearest' });
  if (ctx.st.plan) {
    ctx.root.dataset.planId = String(ctx.st.plan.id);
    ctx.root.dataset.planStatus = ctx.st.plan.status;
    ctx.onState({ id: ctx.st.plan.id, status: ctx.st.plan.status, moves: ctx.st.plan.moves.length, lines: ctx.st.moves.length });
  } else {
    delete ctx.root.dataset.planId;
    delete ctx.root.dataset.planStatus;
    ctx.onState(null);
  }
}

function optionsForm(ctx: Ctx): HTMLElement {
  const f = el('form', 'rb-form');
  f.noValidate = true;
  const field = (name: keyof PlanErrors, label: string, unit: string, value: string, set: (v: string) => void) => {
    const box = el('div', 'form-field rb-field');
    box.dataset.field = name;
    const numberInput = el('input', 'input');
    numberInput.id = `rb-${name}`;
    numberInput.inputMode = 'numeric';
    numberInput.value = value;
    numberInput.addEventListener('input', () => set(numberInput.value));
    const lab = el('label', '', label);
    lab.htmlFor = numberInput.id;
    const wrap = el('span', 'rb-input');
    wrap.append(numberInput, el('span', 'rb-unit', unit));
    const err = el('p', 'field-error', ctx.st.errors[name] ?? '');
    numberInput.setAttribute('aria-invalid', String(Boolean(ctx.st.errors[name])));
    box.append(lab, wrap, err);
    return box;
  };
  const row = el('div', 'rb-row');
  row.append(
    field('min', '每人最少', '家', ctx.st.input.min, (v) => (ctx.st.input.min = v)),
    field('max', '每人最多', '家', ctx.st.input.max, (v) => (ctx.st.input.max = v)),
    field('stability', '稳定性成本', '米', ctx.st.input.stability, (v) => (ctx.st.input.stability = v)),
  );
  const keep = el('input');
  keep.type = 'checkbox';
  keep.id = 'rb-keep';
  keep.checked = ctx.st.input.keepInGrid;
  keep.addEventListener('change', () => (ctx.st.input.keepInGrid = keep.checked));
  const keepLabel = el('label', 'check');
  keepLabel.append(keep, el('span', '', '联络员只包联本网格的组织'));
  // The guards: on by default; lifting one is the admin's explicit choice.
  const loss = el('input');
  loss.type = 'checkbox';
  loss.id = 'rb-allow-loss';
  loss.checked = !ctx.st.input.keepCoverage;
  loss.addEventListener('change', () => (ctx.st.input.keepCoverage = !loss.checked));
  const lossLabel = el('label', 'check rb-allow-loss');
  lossLabel.append(loss, el('span', '', '允许降低某类组织的覆盖（默认不允许：各网格每类组织的已覆盖数不减少）'));
  const travel = el('select', 'input');
  travel.id = 'rb-travel';
  for (const [value, label] of TRAVEL_CHOICES) travel.append(new Option(label, value));
  travel.value = ctx.st.input.travel;
  travel.addEventListener('change', () => (ctx.st.input.travel = travel.value));
  const travelBox = el('div', 'form-field rb-field rb-travel');
  const travelLabel = el('label', '', '总路程增幅');
  travelLabel.htmlFor = travel.id;
  travelBox.append(travelLabel, travel);
  const hint = el('p', 'muted rb-hint', '稳定性成本：调整一家组织的联络员，视同多走这么多米；越大，方案越少改动现有包联。');
  const submit = el('button', 'submit tone-primary', ctx.st.busy ? '正在求解…' : '生成方案');
  submit.type = 'submit';
  submit.id = 'rb-build';
  submit.disabled = ctx.st.busy;
  const buttons = el('div', 'form-buttons');
  buttons.append(submit);
  f.append(row, travelBox, keepLabel, lossLabel, hint, buttons);
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    void build(ctx);
  });
  return f;
}

function failureBox(ctx: Ctx, f: PlanFailure): HTMLElement {
  const box = el('div', `rb-failure kind-${f.kind}`);
  box.setAttribute('role', 'alert');
  box.dataset.kind = f.kind;
  if (f.kind === 'infeasible') {
    box.append(el('strong', '', '无法生成方案'), el('p', 'rb-reason', f.message));
    if (f.detail && f.detail !== f.message) box.append(el('p', 'rb-detail', f.detail));
    box.append(el('p', 'muted', '可降低每人最少包联数、取消“只包联本网格”或解除部分锁定后重试。'));
  } else if (f.kind === 'stale') {
    box.append(el('strong', '', '方案已失效'), el('p', '', f.message));
    if (ctx.isAdmin && ctx.st.plan) {
      const again = button('submit tone-primary rb-rebuild', '按相同参数重新生成', () => ctx.rebuild());
      again.disabled = ctx.st.busy;
      box.append(again);
    }
  } else {
    box.append(el('p', '', f.message));
  }
  return box;
}

function planView(ctx: Ctx, p: Plan): HTMLElement[] {
  const out: HTMLElement[] = [];
  const head = el('div', 'rb-plan-head');
  const status = el('span', `rb-status status-${p.status}`, planStatusLabel(p.status));
  head.append(el('h3', 'rb-plan-title', `方案 #${p.id}`), status);
  out.push(head);
  const opts = p.options;
  const bounds = opts.min !== undefined || opts.max !== undefined ? `每人 ${opts.min ?? '各自下限'}–${opts.max ?? '各自上限'} 家` : '按各联络员自身上下限';
  out.push(
    el(
      'p',
      'muted rb-plan-meta',
      `${bounds} · 稳定性成本 ${opts.stability} 米 · ${opts.keep_in_grid ? '只包联本网格' : '可跨网格'} · 生成于 ${formatDateTime(p.created_at)}${
        p.applied_at ? ` · 应用于 ${formatDateTime(p.applied_at)}` : ''
      }`,
    ),
  );
  out.push(el('p', 'rb-summary', moveSummaryText(moveSummary(p.moves))));
  out.push(tradeoffBox(p));

  // Before and after.
  const table = el('table', 'rb-metrics');
  const thead = el('thead');
  const hr = el('tr');
  for (const h of ['指标', '当前', '方案', '变化']) hr.append(el('th', '', h));
  thead.append(hr);
  const tbody = el('tbody');
  for (const r of metricRows(p.before, p.after)) {
    const tr = el('tr', r.indent ? 'indent' : '');
    tr.dataset.metric = r.key;
    tr.append(el('th', '', r.label), el('td', 'before', r.before), el('td', 'after', r.after));
    const d = el('td', `delta tone-${r.tone}`, r.delta);
    tr.append(d);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  out.push(section('方案对比', table));

  if (ctx.isAdmin && p.status === 'draft') out.push(applyBox(ctx, p));

  // The moves: on the map, and as a list.
  const mapToggle = el('label', 'check rb-map-toggle');
  const box = el('input');
  box.type = 'checkbox';
  box.checked = ctx.st.showMoves;
  box.addEventListener('change', () => {
    ctx.st.showMoves = box.checked;
    ctx.deps.onMoves(ctx.st.moves, ctx.st.showMoves);
  });
  mapToggle.append(box, el('span', '', '在地图上显示调整'));
  const key = el('div', 'rb-key');
  const keyItem = (cls: string, color: string, label: string) => {
    const i = el('span', `rb-key-item ${cls}`);
    const line = el('span', 'rb-key-line');
    line.style.setProperty('--stroke', color);
    i.append(line, el('span', '', label));
    key.append(i);
  };
  keyItem('from', MOVE_COLORS.from, '原包联（解除）');
  keyItem('to', MOVE_COLORS.to, '新包联（箭头由原到新）');
  const list = el('ul', 'rb-moves');
  for (const m of ctx.st.moves) {
    const l = moveLine(m.properties);
    const item = el('button', 'rb-move');
    item.type = 'button';
    item.dataset.orgId = String(m.properties.org_id);
    item.dataset.kind = moveKind(m.properties);
    item.classList.toggle('selected', m.properties.org_id === ctx.st.selectedMove);
    const top = el('span', 'rb-move-top');
    top.append(el('span', 'rb-move-org', m.properties.org_name), el('span', `rb-move-kind kind-${moveKind(m.properties)}`, MOVE_KIND_LABELS[moveKind(m.properties)]));
    const who = el('span', 'rb-move-who');
    who.append(el('span', 'from', l.from), el('span', 'arrow', '→'), el('span', 'to', l.to));
    item.append(top, who, el('span', 'rb-move-detail', l.detail));
    item.addEventListener('click', () => {
      ctx.st.selectedMove = m.properties.org_id;
      for (const b of list.querySelectorAll<HTMLButtonElement>('.rb-move')) b.classList.toggle('selected', b === item);
      ctx.deps.onMove(m);
    });
    const li = el('li');
    li.append(item);
    list.append(li);
  }
  const wrap = el('div');
  wrap.append(mapToggle, key);
  if (ctx.st.moves.length > 0) wrap.append(list);
  else wrap.append(el('p', 'muted', '此方案没有调整'));
  out.push(section(`调整明细（${ctx.st.moves.length}）`, wrap));
  return out;
}

function applyBox(ctx: Ctx, p: Plan): HTMLElement {
  const box = el('div', 'rb-apply');
  if (!ctx.st.confirming) {
    const b = button('submit tone-primary', '应用方案', () => {
      ctx.st.confirming = true;
      render(ctx);
    });
    b.id = 'rb-apply';
    b.disabled = ctx.st.busy || p.moves.length === 0;
    box.append(b);
    if (p.moves.length === 0) box.append(el('span', 'muted', '无需应用'));
    return box;
  }
  box.classList.add('confirming');
  box.setAttribute('role', 'alertdialog');
  box.setAttribute('aria-label', '确认应用方案');
  const text = el('div', 'rb-confirm-text');
  text.id = 'rb-confirm-text';
  for (const line of confirmText(p)) text.append(el('p', line.startsWith('⚠') ? 'rb-warn' : '', line));
  box.append(text);
  const yes = button('submit tone-danger', ctx.st.busy ? '正在应用…' : '确认应用', () => void apply(ctx));
  yes.id = 'rb-confirm';
  yes.disabled = ctx.st.busy;
  // Breaking the travel bound takes the admin's own choice, not one click.
  if (tradeoffText(p).travelOver) {
    const tick = el('input');
    tick.type = 'checkbox';
    tick.id = 'rb-confirm-over';
    const label = el('label', 'rb-confirm-over');
    label.append(tick, ' 我已知悉总路程超出所设上限，仍要应用');
    tick.addEventListener('change', () => (yes.disabled = ctx.st.busy || !tick.checked));
    yes.disabled = true;
    box.append(label);
  }
  const no = button('cancel', '取消', () => {
    ctx.st.confirming = false;
    render(ctx);
  });
  no.disabled = ctx.st.busy;
  const buttons = el('div', 'form-buttons');
  buttons.append(yes, no);
  box.append(buttons);
  queueMicrotask(() => (yes.disabled ? (box.querySelector<HTMLInputElement>('#rb-confirm-over') ?? yes) : yes).focus());
  return box;
}

function history(ctx: Ctx): HTMLElement {
  const list = el('ul', 'rb-history');
  for (const s of ctx.st.plans) {
    const b = el('button', 'rb-history-item');
    b.type = 'button';
    b.dataset.planId = String(s.id);
    b.classList.toggle('selected', ctx.st.plan?.id === s.id);
    b.append(
      el('span', 'rb-history-id', `#${s.id}`),
      el('span', `rb-status status-${s.status}`, planStatusLabel(s.status)),
      el('span', 'rb-history-moves', `${s.move_count} 处调整`),
      el('time', 'rb-history-at', formatDateTime(s.created_at)),
    );
    b.addEventListener('click', () => {
      ctx.st.failure = null;
      void ctx.showPlan(s.id);
    });
    const li = el('li');
    li.append(b);
    list.append(li);
  }
  const content = ctx.st.plans.length > 0 ? list : el('p', 'muted', ctx.isAdmin ? '还没有方案：设置参数后点“生成方案”' : '暂无方案');
  return section('最近的方案', content);
}

/** What the plan trades: the guards, coverage by kind, travel, stability and why it stops there. */
function tradeoffBox(p: Plan): HTMLElement {
  const t = tradeoffText(p);
  const box = el('div', 'rb-tradeoffs');
  box.id = 'rb-tradeoffs';
  box.append(el('p', 'rb-guards', `保障：${t.guards}`));
  if (t.kinds) box.append(el('p', 'rb-kinds', `覆盖：${t.kinds}`));
  box.append(el('p', 'rb-classes', `重点类别：${t.classes}`));
  box.append(el('p', t.coverageLowered ? 'rb-warn' : 'rb-ok', t.coverage));
  box.append(el('p', t.travelOver ? 'rb-warn' : '', t.travel));
  box.append(el('p', '', t.stability));
  if (t.reasons.length > 0) {
    const ul = el('ul', 'rb-reasons');
    for (const r of t.reasons) ul.append(el('li', '', r));
    box.append(ul);
  }
  return section('方案取舍', box);
}

/** "全覆盖需要多少联络员": the capacity answer, fetched on demand. */
function capacitySection(ctx: Ctx): HTMLElement {
  const wrap = el('div', 'rb-capacity');
  wrap.id = 'rb-capacity';
  const c = ctx.st.capacity;
  if (!c) {
    const ask = button('rb-capacity-ask', '测算全覆盖所需联络员', () => {
      ctx.st.capacityError = '';
      ctx.deps.api
        .rebalanceCapacity()
        .then((answer) => {
          ctx.st.capacity = answer;
        })
        .catch((err: unknown) => {
          ctx.st.capacityError = planFailure(err).message;
        })
        .finally(() => render(ctx));
    });
    ask.id = 'rb-capacity-ask';
    wrap.append(ask);
    if (ctx.st.capacityError) wrap.append(noticeLine(ctx.st.capacityError, 'alert'));
    return section('全覆盖需要多少联络员', wrap);
  }
  wrap.append(capacityView(c));
  return section('全覆盖需要多少联络员', wrap);
}

/** The capacity answer: the zone's line and, per grid short of liaisons, its need and who is left out. */
export function capacityView(c: RebalanceCapacity): HTMLElement {
  const words = capacityText(c);
  const box = el('div', 'capacity-view');
  box.append(el('p', 'capacity-zone', words.zone));
  const list = el('ul', 'capacity-grids');
  for (const g of words.grids) {
    const li = el('li', 'capacity-grid');
    li.dataset.grid = String(g.id);
    const details = el('details');
    const summary = el('summary');
    summary.append(el('strong', '', g.name), el('span', '', ` ${g.text}`));
    const names = el('ul', 'capacity-left');
    for (const n of g.left) names.append(el('li', '', n));
    details.append(summary, names);
    li.append(details);
    list.append(li);
  }
  if (words.grids.length > 0) box.append(list);
  return box;
}
