// The side panel (index.html #detail) for one request: what it is, where it
// stands in the loop, its SLA and supervision, its history, and the steps
// the signed-in user may take now, each with the fields it needs. It also
// holds the form that reports a new request for an organization.
import type { Api, LiaisonFeature, ReassignBody, RemindBody, RequestDetail, RequestEvent, TransitionBody, Unit } from './api';
import { button, el, formFields, noticeLine, section, segment } from './dom';
import { categoryLabel, formatDateTime, requestCategories, requestTopics, statusLabel, text, topicLabel } from './i18n';
import {
  MAX_DESCRIPTION,
  MAX_NOTE,
  MAX_TITLE,
  attemptFor,
  cardNote,
  categoryLine,
  charCount,
  checkReassign,
  checkRemind,
  checkReport,
  checkTransition,
  failureOf,
  loopSteps,
  noteField,
  offeredActions,
  slaSummary,
  stars,
  supervisionCard,
  timelineEntry,
  unitGroups,
  unitLine,
  type ActionSpec,
  type Attempt,
} from './requests';
import type { User } from './session';
import type { PanelOwner, SidePanel } from './sidepanel';

/** A change this page made, for the map to reload and to recognise in the live feed. */
export interface OwnChange {
  requestId: number;
  action: string;
  orgId: number;
}

export interface DetailDeps {
  api: Api;
  /** The side panel this view shares with the others. */
  side: SidePanel;
  user: User;
  /** The liaisons in scope (cached by the caller). */
  liaisons(): Promise<LiaisonFeature[]>;
  /** The organization's liaison, to offer first when assigning. */
  orgLiaisonId(orgId: number): number | null;
  /** Each liaison's open requests on the map, shown in the liaison picker. */
  openLoads(): Map<number, number>;
  /** After this page reported or moved a request. */
  onChanged(change: OwnChange): void;
  /** The request shown changed (null: none), to mark it on the map. */
  onShown(requestId: number | null, detail: RequestDetail | null): void;
  /** "诉求企业" was clicked: show that organization on the map. */
  onOrg(orgId: number): void;
}

export interface DetailPanel {
  /** Opens a request; `notice` is shown above it (e.g. after a conflict). */
  showRequest(id: number, notice?: string): Promise<void>;
  /** Opens the report form for an organization. */
  showReport(org: { id: number; name: string }): void;
  /** Reloads the shown request if it is `id` (a live event), keeping any form input. */
  refresh(id: number, notice?: string): Promise<void>;
  /** The request shown, if any. */
  requestId(): number | null;
  close(): void;
  destroy(): void;
}

/** What an open action form holds, kept across reloads of the panel. */
interface FormState {
  action: string;
  note: string;
  liaisonId: string;
  /** The unit select's value; undefined until the form first shows it. */
  unitId?: string;
  satisfaction: number | null;
  /** The idempotency key of the last 改派 or 催办 sent, kept for a retry of the same body. */
  attempt?: Attempt | null;
}

const NOTE_FIELDS = ['note', 'reason', 'liaison_id', 'unit_id', 'satisfaction'];
const REPORT_FIELDS = ['category', 'topic', 'title', 'description'];

/** What the panel holds now; the views and forms read and change it. */
interface State {
  shown: RequestDetail | null;
  shownId: number | null;
  /** The open action form's input. */
  form: FormState | null;
  /** A submission is in flight. */
  busy: boolean;
  /** Each load gets a number; an answer for an older one is dropped. */
  loadSeq: number;
  /** Repaints the SLA badge. */
  clock: number | undefined;
  liaisonCache: LiaisonFeature[] | null;
  /** The zone's alliance units change rarely: asked once per session. */
  unitCache: Unit[] | null;
  units: readonly Unit[];
}

/** What the views and forms outside the factory need of it. */
interface Ctx {
  deps: DetailDeps;
  st: State;
  side: SidePanel;
  self: PanelOwner;
  root: HTMLElement;
  body: HTMLElement;
  showRequest(id: number, notice?: string, keepForm?: boolean): Promise<void>;
  open(view: 'request' | 'report', title: string): void;
  close(): void;
}

export function createDetailPanel(deps: DetailDeps): DetailPanel {
  const side = deps.side;
  const { root, body } = side;
  const st: State = {
    shown: null,
    shownId: null,
    form: null,
    busy: false,
    loadSeq: 0,
    clock: undefined,
    liaisonCache: null,
    unitCache: null,
    units: [],
  };

  // The panel is shared: another view taking it (or closing it) ends
  // this one's loads and clock.
  const self: PanelOwner = {
    release() {
      st.loadSeq++;
      st.shown = null;
      st.shownId = null;
      st.form = null;
      st.busy = false;
      window.clearInterval(st.clock);
      root.dataset.requestId = '';
      delete root.dataset.version;
      delete root.dataset.status;
      root.setAttribute('aria-busy', 'false');
      deps.onShown(null, null);
    },
    busy: () => st.busy,
  };
  const ctx: Ctx = { deps, st, side, self, root, body, showRequest, open, close };

  function open(view: 'request' | 'report', title: string): void {
    side.claim(self, view, title);
  }

  function close(): void {
    if (side.owns(self)) side.close();
    else self.release();
  }

  async function loadLiaisons(): Promise<LiaisonFeature[]> {
    if (st.liaisonCache) return st.liaisonCache;
    try {
      st.liaisonCache = await deps.liaisons();
    } catch (err) {
      console.warn('gridgis: could not load liaisons', err);
      return [];
    }
    return st.liaisonCache;
  }

  async function loadUnits(): Promise<Unit[]> {
    if (st.unitCache) return st.unitCache;
    try {
      st.unitCache = await deps.api.units();
    } catch (err) {
      console.warn('gridgis: could not load alliance units', err);
      return [];
    }
    return st.unitCache;
  }

  async function showRequest(id: number, notice?: string, keepForm = false): Promise<void> {
    const seq = ++st.loadSeq;
    if (st.shownId !== id) {
      st.form = null;
      st.shown = null;
      delete root.dataset.version;
      delete root.dataset.status;
    } else if (!keepForm) {
      st.form = null;
    }
    st.shownId = id;
    root.dataset.requestId = String(id);
    open('request', text.request.detailTitle);
    if (!st.shown) body.replaceChildren(el('p', 'detail-loading', text.request.loading));
    root.setAttribute('aria-busy', 'true');
    try {
      const [detail, liaisons, unitList] = await Promise.all([deps.api.request(id), loadLiaisons(), loadUnits()]);
      if (seq !== st.loadSeq) return;
      st.units = unitList;
      render(ctx, detail, liaisons, notice);
    } catch (err) {
      if (seq !== st.loadSeq) return;
      const failure = failureOf(err, []);
      const box = el('div', 'detail-error');
      box.append(el('p', '', `${text.request.loadFailed}：${failure.message}`), button('link-button', text.retry, () => void showRequest(id)));
      body.replaceChildren(box);
      console.warn('gridgis: loading request failed', err);
      deps.onShown(id, null);
    } finally {
      if (seq === st.loadSeq) root.setAttribute('aria-busy', 'false');
    }
  }







  return {
    showRequest: (id, notice) => showRequest(id, notice),
    showReport: (org) => showReport(ctx, org),
    async refresh(id, notice) {
      if (st.shownId !== id || st.busy) return;
      await showRequest(id, notice, true);
    },
    requestId: () => st.shownId,
    close,
    destroy() {
      close();
    },
  };
}

function render(ctx: Ctx, d: RequestDetail, liaisons: readonly LiaisonFeature[], notice?: string): void {
  ctx.st.shown = d;
  ctx.root.dataset.version = String(d.version);
  ctx.root.dataset.status = d.status;
  const liaisonName = (lid: number) => liaisons.find((l) => l.id === lid)?.properties.name;
  const unitName = (uid: number) => ctx.st.units.find((u) => u.id === uid)?.name;
  const nodes: HTMLElement[] = [];
  if (notice) nodes.push(noticeLine(notice, 'alert'));

  const head = el('div', 'rq-head');
  head.append(el('span', 'rq-id', `#${d.id}`), el('h3', 'rq-title', d.title));
  nodes.push(head);

  const chips = el('div', 'rq-chips');
  chips.append(el('span', `rq-status status-${d.status}`, statusLabel(d.status)));
  const sla = el('span', 'sla-badge');
  chips.append(sla);
  if (d.rework_count > 0) chips.append(el('span', 'rq-chip rework', text.request.rework(d.rework_count)));
  if ((d.reminders ?? 0) > 0) chips.append(el('span', 'rq-chip reminded', text.request.reminders(d.reminders!)));
  nodes.push(chips);
  const paintSla = () => {
    const s = slaSummary(d, Date.now());
    sla.dataset.tone = s.tone;
    sla.replaceChildren(el('b', '', s.label), ...(s.detail ? [el('span', '', s.detail)] : []));
  };
  paintSla();
  window.clearInterval(ctx.st.clock);
  ctx.st.clock = window.setInterval(paintSla, 30_000);

  nodes.push(stepIndicator(d));

  const card = supervisionCard(d.supervision);
  if (card && d.status !== 'verified' && d.status !== 'rejected') {
    const last = [...d.events].reverse().find((e) => e.action === 'supervise');
    const box = el('div', `supervision-card ${card.tone}`);
    box.append(el('span', 'card-icon'), el('strong', '', card.label));
    if (last) {
      const note = cardNote(last.note, card.label);
      box.append(el('span', 'card-note', note ? `${note} · ${formatDateTime(last.at)}` : formatDateTime(last.at)));
    }
    nodes.push(box);
  }

  const info = el('dl', 'rq-info');
  const row = (label: string, value: string | HTMLElement) => {
    const dd = el('dd');
    if (typeof value === 'string') dd.textContent = value;
    else dd.append(value);
    info.append(el('dt', '', label), dd);
  };
  row(text.request.org, button('link-button', d.org_name, () => ctx.deps.onOrg(d.org_id)));
  row(text.request.category, categoryLine(d.category));
  row(text.request.topic, topicLabel(d.topic));
  row(text.request.reportedAt, formatDateTime(d.reported_at));
  row(text.request.responseDue, formatDateTime(d.response_due_at));
  row(text.request.due, formatDateTime(d.due_at));
  const who = [
    d.liaison_id !== null ? text.request.liaison(liaisonName(d.liaison_id) ?? `#${d.liaison_id}`) : '',
    d.unit_id !== null ? unitLine(d.unit_id, unitName(d.unit_id)) : '',
  ].filter(Boolean);
  row(text.request.assignee, who.length > 0 ? who.join('、') : text.request.notAssigned);
  if (d.satisfaction !== null) row(text.request.satisfaction, `${stars(d.satisfaction)}（${d.satisfaction} 分）`);
  nodes.push(info);

  if (d.description) nodes.push(section(text.request.description, el('p', 'rq-text', d.description)));
  if (d.resolution) {
    nodes.push(section(d.status === 'rejected' ? text.request.rejectReason : text.request.resolution, el('p', 'rq-text', d.resolution)));
  }

  nodes.push(actionSection(ctx, d, liaisons));
  nodes.push(section(`${text.request.history}（${d.events.length}）`, timeline(d.events, liaisonName, unitName)));
  ctx.body.replaceChildren(...nodes);
  ctx.deps.onShown(d.id, d);
}

function stepIndicator(d: RequestDetail): HTMLElement {
  const list = el('ol', 'steps');
  list.setAttribute('aria-label', '办理进度');
  for (const [i, s] of loopSteps(d.status, d.events).entries()) {
    const item = el('li', `step ${s.state}`);
    item.dataset.status = s.status;
    const mark = el('span', 'step-mark', s.state === 'done' ? '✓' : s.state === 'stopped' ? '×' : String(i + 1));
    item.append(mark, el('span', 'step-label', s.label));
    if (s.state === 'current') item.setAttribute('aria-current', 'step');
    list.append(item);
  }
  return list;
}

function timeline(
  events: readonly RequestEvent[],
  liaisonName: (id: number) => string | undefined,
  unitName: (id: number) => string | undefined,
): HTMLElement {
  const list = el('ol', 'timeline');
  for (const e of events) {
    const t = timelineEntry(e, liaisonName, unitName);
    const item = el('li', `tl-item tone-${t.tone}`);
    item.dataset.action = e.action;
    const top = el('div', 'tl-top');
    top.append(el('strong', 'tl-what', t.what), el('span', 'tl-actor', t.actor), el('time', 'tl-at', formatDateTime(t.at)));
    item.append(top);
    if (t.move) item.append(el('div', 'tl-move', t.move));
    if (t.detail) item.append(el('div', 'tl-detail', t.detail));
    if (t.note) item.append(el('p', 'tl-note', t.note));
    list.append(item);
  }
  return list;
}

function actionSection(ctx: Ctx, d: RequestDetail, liaisons: readonly LiaisonFeature[]): HTMLElement {
  const specs = offeredActions(d.actions);
  const wrap = el('div', 'rq-actions');
  if (specs.length === 0) {
    wrap.append(el('p', 'muted', ctx.deps.user.role === 'planner' ? text.request.readOnly : text.request.noActions));
    return section(text.request.actions, wrap);
  }
  const bar = el('div', 'action-bar');
  const formSlot = el('div', 'action-form-slot');
  const openForm = (spec: ActionSpec) => {
    if (ctx.st.busy) return;
    ctx.st.form = ctx.st.form?.action === spec.action ? ctx.st.form : { action: spec.action, note: '', liaisonId: '', satisfaction: null };
    for (const b of bar.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-pressed', String(b.dataset.action === spec.action));
    formSlot.replaceChildren(actionForm(ctx, d, spec, liaisons, () => {
      ctx.st.form = null;
      formSlot.replaceChildren();
      for (const b of bar.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-pressed', 'false');
    }));
  };
  for (const spec of specs) {
    const b = button(`action-button tone-${spec.tone}`, spec.label, () => openForm(spec));
    b.dataset.action = spec.action;
    b.setAttribute('aria-pressed', 'false');
    bar.append(b);
  }
  wrap.append(bar, formSlot);
  const kept = ctx.st.form && specs.find((s) => s.action === ctx.st.form!.action);
  if (kept) openForm(kept);
  else ctx.st.form = null;
  return section(text.request.actions, wrap);
}

function actionForm(ctx: Ctx, d: RequestDetail, spec: ActionSpec, liaisons: readonly LiaisonFeature[], cancel: () => void): HTMLElement {
  const state = ctx.st.form!;
  const f = el('form', 'action-form');
  f.noValidate = true;
  f.dataset.action = spec.action;
  const message = el('p', 'form-message');
  message.setAttribute('role', 'alert');
  const { field: fieldBox, errorsAt, showErrors, focusFirstError } = formFields(`rq-${spec.action}`);

  let select: HTMLSelectElement | null = null;
  let unitSelect: HTMLSelectElement | null = null;
  const reassign = spec.action === 'reassign';
  const textField = noteField(spec);
  const maxNote = spec.noteMax ?? MAX_NOTE;
  if (spec.liaison) {
    ({ select, unitSelect } = assignSelects(ctx, d, state, liaisons, reassign));
    f.append(
      fieldBox('liaison_id', reassign ? text.request.newLiaisonLabel : text.request.liaisonLabel, select),
      fieldBox('unit_id', reassign ? text.request.newUnitLabel : text.request.unitLabel, unitSelect),
    );
  }

  if (spec.satisfaction) {
    const group = el('div', 'stars');
    group.setAttribute('role', 'radiogroup');
    const paint = () => {
      for (const s of group.querySelectorAll<HTMLButtonElement>('button')) {
        const n = Number(s.dataset.value);
        s.classList.toggle('on', state.satisfaction !== null && n <= state.satisfaction);
        s.setAttribute('aria-checked', String(n === state.satisfaction));
      }
    };
    for (let n = 1; n <= 5; n++) {
      const star = button('star', '★', () => {
        state.satisfaction = n;
        paint();
        errorsAt.get('satisfaction')!.textContent = '';
      });
      star.dataset.value = String(n);
      star.setAttribute('role', 'radio');
      star.setAttribute('aria-label', text.request.stars(n));
      star.title = text.request.stars(n);
      group.append(star);
    }
    paint();
    f.append(fieldBox(`satisfaction`, `${text.request.satisfaction}（必填）`, group));
  }

  const note = el('textarea', 'input');
  note.rows = spec.note === 'required' ? 4 : 3;
  note.value = state.note;
  note.maxLength = maxNote * 2; // the server counts characters; the counter warns first
  const counter = el('span', 'counter');
  const count = () => {
    const n = charCount(note.value.trim());
    counter.textContent = text.request.chars(n, maxNote);
    counter.classList.toggle('over', n > maxNote);
  };
  count();
  note.addEventListener('input', () => {
    state.note = note.value;
    count();
  });
  f.append(fieldBox(textField, spec.note === 'required' ? `${spec.noteLabel}（必填）` : `${spec.noteLabel}（选填）`, note, counter));

  const submit = el('button', `submit tone-${spec.tone}`, `${text.request.submit}${spec.label}`);
  submit.type = 'submit';
  const buttons = el('div', 'form-buttons');
  buttons.append(submit, button('cancel', text.request.cancel, cancel));
  f.append(message, buttons);

  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (ctx.st.busy) return;
    message.textContent = '';
    const input = {
      note: note.value,
      liaisonId: select?.value ?? '',
      unitId: unitSelect && unitSelect.value !== '' ? Number(unitSelect.value) : null,
      satisfaction: state.satisfaction,
    };
    // 改派 and 催办 have routes of their own, made safe to retry by a key
    // kept while the body stays the same.
    const checked =
      spec.action === 'reassign'
        ? checkReassign(input, d, d.version)
        : spec.action === 'remind'
          ? checkRemind(input, d.version)
          : checkTransition(spec, input, d.version);
    if (!checked.ok) {
      showErrors(checked.errors);
      focusFirstError();
      return;
    }
    showErrors({});
    ctx.st.busy = true;
    submit.disabled = true;
    submit.textContent = text.request.submitting;
    f.setAttribute('aria-busy', 'true');
    try {
      let next: RequestDetail;
      if (spec.action === 'reassign' || spec.action === 'remind') {
        const body = checked.body as ReassignBody | RemindBody;
        state.attempt = attemptFor(state.attempt ?? null, body);
        next =
          spec.action === 'reassign'
            ? await ctx.deps.api.reassign(d.id, body as ReassignBody, state.attempt.key)
            : await ctx.deps.api.remind(d.id, body as RemindBody, state.attempt.key);
      } else {
        next = await ctx.deps.api.transition(d.id, checked.body as TransitionBody);
      }
      ctx.st.form = null;
      ctx.deps.onChanged({ requestId: d.id, action: spec.action, orgId: d.org_id });
      ctx.st.busy = false;
      if (ctx.st.shownId === d.id) {
        render(ctx, next, liaisons, text.request.done(spec.label));
        focusNotice(ctx);
      }
    } catch (err) {
      ctx.st.busy = false;
      submit.disabled = false;
      submit.textContent = `${text.request.submit}${spec.label}`;
      f.setAttribute('aria-busy', 'false');
      const failure = failureOf(err, NOTE_FIELDS);
      if (failure.kind === 'stale') {
        // Someone else moved it first: show where it stands now, keeping
        // what was typed in case the same step is still possible.
        await ctx.showRequest(d.id, failure.message, true);
        focusNotice(ctx);
      } else if (failure.kind === 'field') {
        showErrors({ [failure.field]: failure.message });
        focusFirstError();
      } else {
        message.textContent = failure.message;
        message.scrollIntoView({ block: 'nearest' });
      }
      console.warn('gridgis: transition failed', err);
    }
  });
  return f;
}

/**
 * Brings the panel's notice (已改派, 已催办, a conflict) into view and
 * focus after this user's own submission, so that a phone, scrolled down
 * to the form, shows the outcome. Live refreshes do not call it: they must
 * not take the focus from what the user is doing.
 */
function focusNotice(ctx: Ctx): void {
  const notice = ctx.body.querySelector<HTMLElement>('.detail-notice');
  if (!notice) return;
  notice.tabIndex = -1;
  notice.focus({ preventScroll: true });
  notice.scrollIntoView({ block: 'nearest' });
}

function showReport(ctx: Ctx, org: { id: number; name: string }): void {
  if (ctx.side.owns(ctx.self)) ctx.self.release();
  ctx.open('report', text.request.reportTitle);
  let attempt: Attempt | null = null;

  const f = el('form', 'report-form');
  f.noValidate = true;
  const message = el('p', 'form-message');
  message.setAttribute('role', 'alert');
  const { field: fieldBox, showErrors, focusFirstError } = formFields('report');

  const orgLine = el('p', 'report-org');
  orgLine.append(el('span', 'muted', `${text.request.reportFor}：`), el('strong', '', org.name));

  const category = el('fieldset', 'segmented');
  category.setAttribute('aria-label', text.request.category);
  for (const c of requestCategories) {
    category.append(segment('category', c, c === 'ordinary', categoryLabel(c), text.request.categoryHint[c] ?? '').label);
  }

  const topic = el('select', 'input');
  for (const t of requestTopics) topic.append(new Option(topicLabel(t), t));
  topic.value = 'operations';

  const title = el('input', 'input');
  title.type = 'text';
  title.placeholder = text.request.titlePlaceholder;
  title.autocomplete = 'off';
  const titleCount = el('span', 'counter');

  const description = el('textarea', 'input');
  description.rows = 6;
  description.placeholder = text.request.descriptionPlaceholder;
  const descriptionCount = el('span', 'counter');

  const counts = () => {
    for (const [input, counter, max] of [
      [title, titleCount, MAX_TITLE],
      [description, descriptionCount, MAX_DESCRIPTION],
    ] as const) {
      const n = charCount(input.value.trim());
      counter.textContent = text.request.chars(n, max);
      counter.classList.toggle('over', n > max);
    }
  };
  counts();
  title.addEventListener('input', counts);
  description.addEventListener('input', counts);

  const submit = el('button', 'submit tone-primary', text.request.report);
  submit.type = 'submit';
  const buttons = el('div', 'form-buttons');
  buttons.append(submit, button('cancel', text.request.cancel, () => ctx.close()));
  f.append(
    orgLine,
    fieldBox('category', text.request.category, category),
    fieldBox('topic', text.request.topic, topic),
    fieldBox('title', `${text.request.titleLabel}（必填）`, title, titleCount),
    fieldBox('description', text.request.descriptionLabel, description, descriptionCount),
    message,
    buttons,
  );

  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (ctx.st.busy) return;
    message.textContent = '';
    const chosen = category.querySelector<HTMLInputElement>('input:checked')?.value ?? '';
    const checked = checkReport(org.id, { category: chosen, topic: topic.value, title: title.value, description: description.value });
    if (!checked.ok) {
      showErrors(checked.errors);
      focusFirstError();
      return;
    }
    showErrors({});
    // The same content keeps its key, so a retry after a lost answer
    // cannot report the request twice.
    attempt = attemptFor(attempt, checked.body);
    ctx.st.busy = true;
    submit.disabled = true;
    submit.textContent = text.request.submitting;
    try {
      const created = await ctx.deps.api.createRequest(checked.body, attempt.key);
      ctx.st.busy = false;
      ctx.deps.onChanged({ requestId: created.id, action: 'report', orgId: org.id });
      await ctx.showRequest(created.id, text.request.reported);
      focusNotice(ctx);
    } catch (err) {
      ctx.st.busy = false;
      submit.disabled = false;
      submit.textContent = text.request.report;
      const failure = failureOf(err, REPORT_FIELDS);
      if (failure.kind === 'field') {
        showErrors({ [failure.field]: failure.message });
        focusFirstError();
      } else message.textContent = failure.kind === 'stale' ? '提交冲突，请稍后重试' : failure.message;
      console.warn('gridgis: reporting a request failed', err);
    }
  });

  ctx.body.replaceChildren(f);
  title.focus();
}

/** The assign form's selects: the liaison (the organization's own first, then its grid's) and the alliance unit. */
function assignSelects(
  ctx: Ctx,
  d: RequestDetail,
  state: FormState,
  liaisons: readonly LiaisonFeature[],
  reassign = false,
): { select: HTMLSelectElement; unitSelect: HTMLSelectElement } {
  const select = el('select', 'input');
  // A unit alone is a valid assignment: the empty choice is "no liaison".
  // 改派 leaves an unchosen liaison or unit as it is; 0 clears it.
  select.append(new Option(reassign ? text.request.keepAssignee : liaisons.length > 0 ? text.request.noLiaison : text.request.noLiaisons, ''));
  if (reassign && d.liaison_id !== null) select.append(new Option(text.request.clearLiaison, '0'));
  const loads = ctx.deps.openLoads();
  const orgLiaison = ctx.deps.orgLiaisonId(d.org_id);
  const ordered = [...liaisons].sort(
    (a, b) =>
      Number(b.id === orgLiaison) - Number(a.id === orgLiaison) ||
      Number(b.properties.grid_id === d.grid_id) - Number(a.properties.grid_id === d.grid_id) ||
      a.properties.name.localeCompare(b.properties.name, 'zh-CN'),
  );
  for (const l of ordered) {
    const tag = (l.id === orgLiaison ? `（${text.request.orgLiaison}）` : '') + (reassign && l.id === d.liaison_id ? text.request.current : '');
    const load = `${text.request.openLoad(loads.get(l.id) ?? 0)} · ${text.request.liaisonLoad(l.properties.load, l.properties.max)}`;
    const option = new Option(`${l.properties.name}${tag} · ${load}`, String(l.id));
    // The current liaison is shown, but 改派 to them is no change.
    option.disabled = reassign && l.id === d.liaison_id;
    select.append(option);
  }
  const initial = reassign ? state.liaisonId : state.liaisonId || String(d.liaison_id ?? orgLiaison ?? '');
  if ([...select.options].some((o) => o.value === initial)) select.value = initial;
  state.liaisonId = select.value;
  select.addEventListener('change', () => (state.liaisonId = select.value));

  const unitSelect = el('select', 'input');
  unitSelect.append(new Option(reassign ? text.request.keepAssignee : ctx.st.units.length > 0 ? text.request.noUnit : text.request.noUnits, ''));
  if (reassign && d.unit_id !== null) unitSelect.append(new Option(text.request.clearUnit, '0'));
  for (const g of unitGroups(ctx.st.units)) {
    const group = el('optgroup');
    group.label = g.label;
    for (const u of g.units) {
      const option = new Option(`${u.name}（${g.label}）${reassign && u.id === d.unit_id ? text.request.current : ''}`, String(u.id));
      option.disabled = reassign && u.id === d.unit_id;
      group.append(option);
    }
    unitSelect.append(group);
  }
  if (d.unit_id !== null && !ctx.st.units.some((u) => u.id === d.unit_id)) {
    // Not in the list (it failed to load): still show it, so it is kept.
    const option = new Option(text.request.currentUnit(d.unit_id), String(d.unit_id));
    option.disabled = reassign;
    unitSelect.append(option);
  }
  const unitInitial = state.unitId ?? (reassign ? '' : String(d.unit_id ?? ''));
  if ([...unitSelect.options].some((o) => o.value === unitInitial)) unitSelect.value = unitInitial;
  state.unitId = unitSelect.value;
  unitSelect.addEventListener('change', () => (state.unitId = unitSelect.value));
  return { select, unitSelect };
}
