// The 包联优化 panel (in the side panel): admins set the bounds, build an
// optimal plan, compare its metrics with today's, see its moves on the
// map and in a list, and apply it after confirming; a plan whose data
// changed since is refused (409) and can be rebuilt with the same options.
// Planners see the plans read-only.
import type { Api, MoveFeature, Plan, PlanSummary } from './api';
import { button, el, noticeLine, section } from './dom';
import { formatDateTime } from './i18n';
import { MOVE_COLORS } from './layers/moves';
import {
  DEFAULT_PLAN_INPUT,
  MOVE_KIND_LABELS,
  checkPlanInput,
  inputOf,
  metricRows,
  moveKind,
  moveLine,
  moveOrder,
  moveSummary,
  moveSummaryText,
  planFailure,
  planStatusLabel,
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

export function createRebalancePanel(deps: RebalanceDeps, onState: (s: PlanState | null) => void): RebalancePanel {
  const { side, user } = deps;
  const { root, body } = side;
  const isAdmin = user.role === 'admin';
  const toolButton = document.getElementById('tool-rebalance') as HTMLButtonElement | null;

  let input: PlanInput = { ...DEFAULT_PLAN_INPUT };
  let errors: PlanErrors = {};
  let failure: PlanFailure | null = null;
  let notice = '';
  let plan: Plan | null = null;
  let moves: MoveFeature[] = [];
  let plans: PlanSummary[] = [];
  let showMoves = true;
  let confirming = false;
  let busy = false;
  let selectedMove: number | null = null;
  let seq = 0;
  let owned = false;

  const self: PanelOwner = {
    release() {
      owned = false;
      seq++;
      busy = false;
      confirming = false;
      delete root.dataset.planId;
      delete root.dataset.planStatus;
      root.setAttribute('aria-busy', 'false');
      toolButton?.setAttribute('aria-pressed', 'false');
      deps.onMoves(null, false);
      onState(null);
    },
    busy: () => busy,
  };

  async function open(): Promise<void> {
    side.claim(self, 'rebalance', '包联优化');
    owned = true;
    toolButton?.setAttribute('aria-pressed', 'true');
    // Back to a plan shown before: its moves go on the map again.
    if (plan) deps.onMoves(moves, showMoves);
    render();
    const mine = ++seq;
    try {
      plans = await deps.api.plans(10);
      if (mine !== seq) return;
      // Show the newest plan, so a planner (or an admin back later) sees where things stand.
      if (!plan && plans.length > 0) await showPlan(plans[0].id);
      else render();
    } catch (err) {
      if (mine !== seq) return;
      failure = planFailure(err);
      render();
    }
  }

  async function showPlan(id: number, note = ''): Promise<void> {
    const mine = ++seq;
    root.setAttribute('aria-busy', 'true');
    try {
      const [p, m] = await Promise.all([deps.api.plan(id), deps.api.planMoves(id)]);
      if (mine !== seq) return;
      plan = p;
      moves = moveOrder(m);
      confirming = false;
      selectedMove = null;
      notice = note;
      deps.onMoves(moves, showMoves);
      render();
    } catch (err) {
      if (mine !== seq) return;
      failure = planFailure(err);
      render();
    } finally {
      if (mine === seq) root.setAttribute('aria-busy', 'false');
    }
  }

  async function refreshList(): Promise<void> {
    try {
      plans = await deps.api.plans(10);
    } catch (err) {
      console.warn('gridgis: listing plans failed', err);
    }
  }

  async function build(): Promise<void> {
    if (busy) return;
    const checked = checkPlanInput(input);
    if (!checked.ok) {
      errors = checked.errors;
      render();
      return;
    }
    errors = {};
    failure = null;
    notice = '';
    busy = true;
    const mine = ++seq;
    root.setAttribute('aria-busy', 'true');
    render();
    try {
      const p = await deps.api.createPlan(checked.body);
      busy = false;
      if (mine !== seq) return;
      await refreshList();
      await showPlan(p.id, `已生成方案 #${p.id}`);
    } catch (err) {
      busy = false;
      if (mine !== seq) return;
      const f = planFailure(err);
      if (f.kind === 'field') errors = { [f.field]: f.message };
      else failure = f;
      root.setAttribute('aria-busy', 'false');
      render();
      console.warn('gridgis: building a plan failed', err);
    }
  }

  async function apply(): Promise<void> {
    if (!plan || busy) return;
    const id = plan.id;
    busy = true;
    failure = null;
    notice = '';
    const mine = ++seq;
    root.setAttribute('aria-busy', 'true');
    render();
    try {
      const applied = await deps.api.applyPlan(id);
      busy = false;
      if (mine !== seq) return;
      confirming = false;
      deps.onApplied(applied);
      await refreshList();
      await showPlan(id, `方案已应用：${applied.move_count} 家组织的包联关系已更新`);
    } catch (err) {
      busy = false;
      if (mine !== seq) return;
      confirming = false;
      failure = planFailure(err);
      // The server marks a plan whose data changed as stale: show it so.
      await refreshList();
      try {
        plan = await deps.api.plan(id);
      } catch {
        // Keep what was shown.
      }
      root.setAttribute('aria-busy', 'false');
      render();
      console.warn('gridgis: applying a plan failed', err);
    }
  }

  function rebuild(): void {
    if (plan) input = inputOf(plan.options);
    failure = null;
    void build();
  }

  // ---- rendering ---------------------------------------------------------------

  function render(): void {
    if (!owned) return;
    const nodes: HTMLElement[] = [];
    nodes.push(
      el(
        'p',
        'muted rb-intro',
        isAdmin
          ? '在每名联络员包联数上下限内求精确最优方案：优先覆盖有在办诉求和重点企业，路程最短，尽量少调整现有包联，锁定的包联关系不动。方案生成后需确认应用才生效。'
          : '查看管理员生成的包联优化方案（只读）。',
      ),
    );
    if (isAdmin) nodes.push(optionsForm());
    if (notice) nodes.push(noticeLine(notice, 'status'));
    let alert: HTMLElement | null = null;
    if (failure) nodes.push((alert = failureBox(failure)));
    if (plan) nodes.push(...planView(plan));
    nodes.push(history());
    body.replaceChildren(...nodes);
    // The reason may be below the fold of a long plan: bring it up.
    alert?.scrollIntoView({ block: 'nearest' });
    if (plan) {
      root.dataset.planId = String(plan.id);
      root.dataset.planStatus = plan.status;
      onState({ id: plan.id, status: plan.status, moves: plan.moves.length, lines: moves.length });
    } else {
      delete root.dataset.planId;
      delete root.dataset.planStatus;
      onState(null);
    }
  }

  function optionsForm(): HTMLElement {
    const f = el('form', 'rb-form');
    f.noValidate = true;
    const field = (name: keyof PlanErrors, label: string, unit: string, value: string, set: (v: string) => void) => {
      const box = el('div', 'form-field rb-field');
      box.dataset.field = name;
      const input = el('input', 'input');
      input.id = `rb-${name}`;
      input.inputMode = 'numeric';
      input.value = value;
      input.addEventListener('input', () => set(input.value));
      const lab = el('label', '', label);
      lab.htmlFor = input.id;
      const wrap = el('span', 'rb-input');
      wrap.append(input, el('span', 'rb-unit', unit));
      const err = el('p', 'field-error', errors[name] ?? '');
      input.setAttribute('aria-invalid', String(Boolean(errors[name])));
      box.append(lab, wrap, err);
      return box;
    };
    const row = el('div', 'rb-row');
    row.append(
      field('min', '每人最少', '家', input.min, (v) => (input.min = v)),
      field('max', '每人最多', '家', input.max, (v) => (input.max = v)),
      field('stability', '稳定性成本', '米', input.stability, (v) => (input.stability = v)),
    );
    const keep = el('input');
    keep.type = 'checkbox';
    keep.id = 'rb-keep';
    keep.checked = input.keepInGrid;
    keep.addEventListener('change', () => (input.keepInGrid = keep.checked));
    const keepLabel = el('label', 'check');
    keepLabel.append(keep, el('span', '', '联络员只包联本网格的组织'));
    const hint = el('p', 'muted rb-hint', '稳定性成本：调整一家组织的联络员，视同多走这么多米；越大，方案越少改动现有包联。');
    const submit = el('button', 'submit tone-primary', busy ? '正在求解…' : '生成方案');
    submit.type = 'submit';
    submit.id = 'rb-build';
    submit.disabled = busy;
    const buttons = el('div', 'form-buttons');
    buttons.append(submit);
    f.append(row, keepLabel, hint, buttons);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      void build();
    });
    return f;
  }

  function failureBox(f: PlanFailure): HTMLElement {
    const box = el('div', `rb-failure kind-${f.kind}`);
    box.setAttribute('role', 'alert');
    box.dataset.kind = f.kind;
    if (f.kind === 'infeasible') {
      box.append(el('strong', '', '无法生成方案'), el('p', 'rb-reason', f.message));
      if (f.detail && f.detail !== f.message) box.append(el('p', 'rb-detail', f.detail));
      box.append(el('p', 'muted', '可降低每人最少包联数、取消“只包联本网格”或解除部分锁定后重试。'));
    } else if (f.kind === 'stale') {
      box.append(el('strong', '', '方案已失效'), el('p', '', f.message));
      if (isAdmin && plan) {
        const again = button('submit tone-primary rb-rebuild', '按相同参数重新生成', () => rebuild());
        again.disabled = busy;
        box.append(again);
      }
    } else {
      box.append(el('p', '', f.message));
    }
    return box;
  }

  function planView(p: Plan): HTMLElement[] {
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

    if (isAdmin && p.status === 'draft') out.push(applyBox(p));

    // The moves: on the map, and as a list.
    const mapToggle = el('label', 'check rb-map-toggle');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = showMoves;
    box.addEventListener('change', () => {
      showMoves = box.checked;
      deps.onMoves(moves, showMoves);
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
    for (const m of moves) {
      const l = moveLine(m.properties);
      const item = el('button', 'rb-move');
      item.type = 'button';
      item.dataset.orgId = String(m.properties.org_id);
      item.dataset.kind = moveKind(m.properties);
      item.classList.toggle('selected', m.properties.org_id === selectedMove);
      const top = el('span', 'rb-move-top');
      top.append(el('span', 'rb-move-org', m.properties.org_name), el('span', `rb-move-kind kind-${moveKind(m.properties)}`, MOVE_KIND_LABELS[moveKind(m.properties)]));
      const who = el('span', 'rb-move-who');
      who.append(el('span', 'from', l.from), el('span', 'arrow', '→'), el('span', 'to', l.to));
      item.append(top, who, el('span', 'rb-move-detail', l.detail));
      item.addEventListener('click', () => {
        selectedMove = m.properties.org_id;
        for (const b of list.querySelectorAll<HTMLButtonElement>('.rb-move')) b.classList.toggle('selected', b === item);
        deps.onMove(m);
      });
      const li = el('li');
      li.append(item);
      list.append(li);
    }
    const wrap = el('div');
    wrap.append(mapToggle, key);
    if (moves.length > 0) wrap.append(list);
    else wrap.append(el('p', 'muted', '此方案没有调整'));
    out.push(section(`调整明细（${moves.length}）`, wrap));
    return out;
  }

  function applyBox(p: Plan): HTMLElement {
    const box = el('div', 'rb-apply');
    if (!confirming) {
      const b = button('submit tone-primary', '应用方案', () => {
        confirming = true;
        render();
      });
      b.id = 'rb-apply';
      b.disabled = busy || p.moves.length === 0;
      box.append(b);
      if (p.moves.length === 0) box.append(el('span', 'muted', '无需应用'));
      return box;
    }
    box.classList.add('confirming');
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-label', '确认应用方案');
    box.append(el('p', 'rb-confirm-text', `确认应用方案 #${p.id}？将调整 ${p.moves.length} 家组织的包联关系（原包联结束，新包联即日生效，记入审计日志）。`));
    const yes = button('submit tone-danger', busy ? '正在应用…' : '确认应用', () => void apply());
    yes.id = 'rb-confirm';
    yes.disabled = busy;
    const no = button('cancel', '取消', () => {
      confirming = false;
      render();
    });
    no.disabled = busy;
    const buttons = el('div', 'form-buttons');
    buttons.append(yes, no);
    box.append(buttons);
    queueMicrotask(() => yes.focus());
    return box;
  }

  function history(): HTMLElement {
    const list = el('ul', 'rb-history');
    for (const s of plans) {
      const b = el('button', 'rb-history-item');
      b.type = 'button';
      b.dataset.planId = String(s.id);
      b.classList.toggle('selected', plan?.id === s.id);
      b.append(
        el('span', 'rb-history-id', `#${s.id}`),
        el('span', `rb-status status-${s.status}`, planStatusLabel(s.status)),
        el('span', 'rb-history-moves', `${s.move_count} 处调整`),
        el('time', 'rb-history-at', formatDateTime(s.created_at)),
      );
      b.addEventListener('click', () => {
        failure = null;
        void showPlan(s.id);
      });
      const li = el('li');
      li.append(b);
      list.append(li);
    }
    const content = plans.length > 0 ? list : el('p', 'muted', isAdmin ? '还没有方案：设置参数后点“生成方案”' : '暂无方案');
    return section('最近的方案', content);
  }

  return {
    open,
    isOpen: () => owned,
    close() {
      if (side.owns(self)) side.close();
    },
  };
}
