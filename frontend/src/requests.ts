// The request loop (发现—交办—整改—销号—复核) as the app shows and drives
// it: the step indicator, the SLA badge, what each action needs, form
// validation that mirrors the server's, and the wording of its problems.
// Pure functions only; the panel that uses them is requestpanel.ts.
import {
  ApiError,
  type NewRequest,
  type RequestAction,
  type RequestCategory,
  type RequestEvent,
  type RequestProperties,
  type ReassignBody,
  type RemindBody,
  type RequestTopic,
  type SlaColour,
  type TransitionBody,
  type Unit,
} from './api';
import {
  actionLabel,
  categoryLabel,
  requestCategories,
  requestTopics,
  slaLabel,
  slaShortLabel,
  statusLabel,
  stepLabel,
  supervisionLabel,
  text,
  unitKindLabel,
  unitKinds,
} from './i18n';

/** The server's text limits (grid/request_flow.go), in characters. */
export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 5000;
export const MAX_NOTE = 2000;
/** 改派's reason and 催办's note (grid/request_actions.go). */
export const MIN_REASON = 2;
export const MAX_REASON = 200;
export const MAX_REMINDER = 200;

/** The five steps of the loop, in order. */
export const LOOP_STEPS = ['reported', 'assigned', 'in_progress', 'resolved', 'verified'] as const;

export type StepState = 'done' | 'current' | 'todo' | 'stopped';

export interface Step {
  status: string;
  label: string;
  state: StepState;
}

/** Whether a status ends the loop. */
export function isClosed(status: string): boolean {
  return status === 'verified' || status === 'rejected';
}

/**
 * The step indicator: the steps before the current one are done, a
 * verified request has every step done. A rejected request shows the steps
 * it went through and a last, stopped step 不予受理 where it left the loop.
 */
export function loopSteps(status: string, events: readonly Pick<RequestEvent, 'to_status' | 'from_status'>[] = []): Step[] {
  const step = (s: string, state: StepState): Step => ({ status: s, label: stepLabel(s), state });
  if (status === 'rejected') {
    const from = [...events].reverse().find((e) => e.to_status === 'rejected')?.from_status ?? 'reported';
    const reached = Math.max(0, LOOP_STEPS.indexOf(from as (typeof LOOP_STEPS)[number]));
    return [...LOOP_STEPS.slice(0, reached + 1).map((s) => step(s, 'done')), step('rejected', 'stopped')];
  }
  if (status === 'verified') return LOOP_STEPS.map((s) => step(s, 'done'));
  const at = LOOP_STEPS.indexOf(status as (typeof LOOP_STEPS)[number]);
  // A status the app does not know: show the loop with nothing reached.
  return LOOP_STEPS.map((s, i) => step(s, at < 0 ? 'todo' : i < at ? 'done' : i === at ? 'current' : 'todo'));
}

type Deadlines = Pick<RequestProperties, 'status' | 'response_due_at' | 'due_at'>;

/** The deadline that counts now: the response until assigned, then resolution. */
export function currentDeadline(r: Deadlines): { at: string; phase: 'response' | 'resolve' } {
  return r.status === 'reported' ? { at: r.response_due_at, phase: 'response' } : { at: r.due_at, phase: 'resolve' };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration as "2 天 3 小时", "5 小时 20 分钟", "12 分钟" or "不到 1 分钟". */
export function formatDuration(ms: number): string {
  const t = Math.abs(ms);
  if (t < MINUTE) return '不到 1 分钟';
  if (t >= DAY) {
    const d = Math.floor(t / DAY);
    const h = Math.floor((t % DAY) / HOUR);
    return h > 0 ? `${d} 天 ${h} 小时` : `${d} 天`;
  }
  if (t >= HOUR) {
    const h = Math.floor(t / HOUR);
    const m = Math.floor((t % HOUR) / MINUTE);
    return m > 0 ? `${h} 小时 ${m} 分钟` : `${h} 小时`;
  }
  return `${Math.floor(t / MINUTE)} 分钟`;
}

export interface SlaSummary {
  /** The badge colour: the server's SLA colour, or "closed". */
  tone: 'green' | 'yellow' | 'red' | 'closed';
  /** "绿 · 正常" / "黄 · 临期" / "红 · 超期" / "已办结". */
  label: string;
  /** "剩余 2 天 3 小时" / "已超期 5 小时", with the phase: "办结剩余 …". */
  detail: string;
}

/**
 * The SLA badge of a request at `now`: its colour from the server, the time
 * left (or overdue) against the deadline of its current phase.
 */
export function slaSummary(r: Deadlines & Pick<RequestProperties, 'sla'>, now: number): SlaSummary {
  if (r.status === 'verified') return { tone: 'closed', label: text.request.slaClosed, detail: '' };
  if (r.status === 'rejected') return { tone: 'closed', label: text.request.slaRejected, detail: '' };
  const { at, phase } = currentDeadline(r);
  const left = Date.parse(at) - now;
  const phaseWord = phase === 'response' ? text.request.responsePhase : text.request.resolvePhase;
  const tone: SlaColour = r.sla === 'red' ? 'red' : r.sla === 'yellow' ? 'yellow' : 'green';
  const label = `${slaShortLabel(tone)} · ${slaLabel(tone)}`;
  if (Number.isNaN(left)) return { tone, label, detail: '' };
  return { tone, label, detail: phaseWord + (left > 0 ? text.request.timeLeft(formatDuration(left)) : text.request.overdueBy(formatDuration(left))) };
}

/** The supervision card to show, or null when none was raised. */
export function supervisionCard(supervision: string): { tone: 'yellow' | 'red'; label: string } | null {
  if (supervision !== 'yellow' && supervision !== 'red') return null;
  return { tone: supervision, label: supervisionLabel(supervision) };
}

/**
 * The note of the SLA clock's last card, without the card's name it starts
 * with ("黄牌督办：临近办理时限" under the heading 黄牌督办 reads "临近办理时限").
 */
export function cardNote(note: string, label: string): string {
  const rest = note.startsWith(label) ? note.slice(label.length).replace(/^[：:，,\s]+/, '') : note;
  return rest.trim();
}

/** How urgent a request is, for ordering: red first, then yellow, then green. */
const SLA_RANK: Record<string, number> = { red: 0, yellow: 1, green: 2 };

/** Open requests in the to-do list's order: by SLA colour, then the earliest deadline. */
export function todoOrder<R extends { id: number; properties: Deadlines & Pick<RequestProperties, 'sla'> }>(requests: readonly R[]): R[] {
  const rank = (r: R) => SLA_RANK[r.properties.sla] ?? 3;
  const due = (r: R) => Date.parse(currentDeadline(r.properties).at) || Number.POSITIVE_INFINITY;
  return requests
    .filter((r) => !isClosed(r.properties.status))
    .sort((a, b) => rank(a) - rank(b) || due(a) - due(b) || a.id - b.id);
}

/** The statuses a liaison works a request in (整改, then 销号): grid/request_flow.go's requestMoves. */
const LIAISON_WORK: ReadonlySet<string> = new Set(['assigned', 'in_progress']);

/**
 * The to-do list split into the requests the user must act on (counted on
 * 待办, listed first) and the others they may only follow. A liaison acts
 * on the ones handed to them (交办 or 改派 to their liaison record) that
 * are 已交办 or 整改中; one 待交办, or handed to someone else, is not theirs.
 * Every other role's open requests are all theirs to act on (交办, 复核,
 * 改派, 催办). Both parts are in todoOrder.
 */
export function splitTodo<R extends { id: number; properties: Deadlines & Pick<RequestProperties, 'sla' | 'status' | 'liaison_id'> }>(
  user: { role: string; liaison_id: number | null },
  requests: readonly R[],
): { mine: R[]; others: R[] } {
  const open = todoOrder(requests);
  if (user.role !== 'liaison') return { mine: open, others: [] };
  const isMine = (r: R) => user.liaison_id !== null && r.properties.liaison_id === user.liaison_id && LIAISON_WORK.has(r.properties.status);
  return { mine: open.filter(isMine), others: open.filter((r) => !isMine(r)) };
}

/** Roles that may raise requests (action report_requests in grid/roles.go). */
export function canReport(role: string): boolean {
  return role === 'admin' || role === 'officer' || role === 'liaison';
}

/** What one action asks of the user. */
export interface ActionSpec {
  action: RequestAction;
  label: string;
  tone: 'primary' | 'danger' | 'default';
  /** Choose a liaison, an alliance unit or both. */
  liaison: boolean;
  /** A 1–5 star rating, required. */
  satisfaction: boolean;
  note: 'required' | 'optional';
  noteLabel: string;
  /** The note's limits in characters, when not MAX_NOTE (and no minimum). */
  noteMin?: number;
  noteMax?: number;
}

export const ACTION_SPECS: Readonly<Record<RequestAction, ActionSpec>> = {
  assign: { action: 'assign', label: '交办', tone: 'primary', liaison: true, satisfaction: false, note: 'optional', noteLabel: '交办说明' },
  start: { action: 'start', label: '开始整改', tone: 'primary', liaison: false, satisfaction: false, note: 'optional', noteLabel: '整改说明' },
  resolve: { action: 'resolve', label: '销号', tone: 'primary', liaison: false, satisfaction: false, note: 'required', noteLabel: '办理结果' },
  verify: { action: 'verify', label: '复核通过', tone: 'primary', liaison: false, satisfaction: true, note: 'optional', noteLabel: '复核意见' },
  send_back: { action: 'send_back', label: '退回整改', tone: 'default', liaison: false, satisfaction: false, note: 'optional', noteLabel: '退回原因' },
  reject: { action: 'reject', label: '不予受理', tone: 'danger', liaison: false, satisfaction: false, note: 'required', noteLabel: '不予受理理由' },
  reassign: {
    action: 'reassign',
    label: '改派',
    tone: 'default',
    liaison: true,
    satisfaction: false,
    note: 'required',
    noteLabel: '改派原因',
    noteMin: MIN_REASON,
    noteMax: MAX_REASON,
  },
  remind: { action: 'remind', label: '催办', tone: 'default', liaison: false, satisfaction: false, note: 'optional', noteLabel: '催办说明', noteMax: MAX_REMINDER },
};

/** The field the server names for an action's text: 改派 calls it reason. */
export function noteField(spec: ActionSpec): 'note' | 'reason' {
  return spec.action === 'reassign' ? 'reason' : 'note';
}

/** The actions the server listed that the app knows how to offer, in its order. */
export function offeredActions(actions: readonly string[]): ActionSpec[] {
  return (Object.keys(ACTION_SPECS) as RequestAction[]).filter((a) => actions.includes(a)).map((a) => ACTION_SPECS[a]);
}

/** Characters as the server counts them (Unicode code points). */
export function charCount(s: string): number {
  return [...s].length;
}

/** What the user entered in an action form. */
export interface ActionInput {
  note: string;
  /** The chosen liaison's id, as the select's value; "" for none. */
  liaisonId: string;
  /** The chosen alliance unit; null for none. */
  unitId: number | null;
  satisfaction: number | null;
}

/** Field → message; the fields are the server's names (note, liaison_id, satisfaction, ...). */
export type FieldErrors = Record<string, string>;

export type Checked<T> = { ok: true; body: T } | { ok: false; errors: FieldErrors };

/**
 * Checks an action form as the server will (grid.Transition.Validate) and
 * builds the body to send: only the fields the action takes.
 */
export function checkTransition(spec: ActionSpec, input: ActionInput, version: number): Checked<TransitionBody> {
  const errors: FieldErrors = {};
  const note = input.note.trim();
  if (spec.note === 'required' && note === '') errors.note = `请填写${spec.noteLabel}`;
  else if (charCount(note) > MAX_NOTE) errors.note = `${spec.noteLabel}不能超过 ${MAX_NOTE} 字`;
  const body: TransitionBody = { action: spec.action, version };
  if (note !== '') body.note = note;
  if (spec.liaison) {
    const id = Number(input.liaisonId);
    if (input.liaisonId !== '' && Number.isInteger(id) && id > 0) body.liaison_id = id;
    if (input.unitId !== null && input.unitId > 0) body.unit_id = input.unitId;
    if (body.liaison_id === undefined && body.unit_id === undefined) errors.liaison_id = text.request.chooseAssignee;
  }
  if (spec.satisfaction) {
    const s = input.satisfaction;
    if (s === null) errors.satisfaction = '请选择满意度（1–5 星）';
    else if (!Number.isInteger(s) || s < 1 || s > 5) errors.satisfaction = '满意度须为 1–5 星';
    else body.satisfaction = s;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/** The assignees a request has now, which 改派 must change. */
export interface Assignees {
  liaison_id: number | null;
  unit_id: number | null;
}

/** Checks a note against the spec's limits; the message, or "" when fine. */
function noteProblem(spec: ActionSpec, note: string): string {
  const n = charCount(note);
  const max = spec.noteMax ?? MAX_NOTE;
  if (spec.note === 'required' && note === '') return `请填写${spec.noteLabel}`;
  if (spec.noteMin !== undefined && note !== '' && n < spec.noteMin) return `${spec.noteLabel}至少 ${spec.noteMin} 个字`;
  if (n > max) return `${spec.noteLabel}不能超过 ${max} 字`;
  return '';
}

/**
 * Checks a 改派 form as the server will (grid.Reassignment.Validate and the
 * changed-assignee rule): a liaison or unit other than the current ones, a
 * reason of 2–200 characters. Only what changes is sent.
 */
export function checkReassign(input: ActionInput, now: Assignees, version: number): Checked<ReassignBody> {
  const spec = ACTION_SPECS.reassign;
  const errors: FieldErrors = {};
  const reason = input.note.trim();
  const problem = noteProblem(spec, reason);
  if (problem) errors.reason = problem;
  const body: ReassignBody = { version, reason };
  // 0 clears (不指定联络员, 不交给联盟单位); sent only when there is one to clear.
  const id = Number(input.liaisonId);
  if (input.liaisonId !== '' && Number.isInteger(id) && id >= 0 && id !== (now.liaison_id ?? 0)) body.liaison_id = id;
  if (input.unitId !== null && input.unitId >= 0 && input.unitId !== (now.unit_id ?? 0)) body.unit_id = input.unitId;
  if (body.liaison_id === undefined && body.unit_id === undefined) errors.liaison_id = text.request.chooseNewAssignee;
  else if ((body.liaison_id ?? now.liaison_id ?? 0) === 0 && (body.unit_id ?? now.unit_id ?? 0) === 0) {
    if (body.liaison_id === 0) errors.unit_id = text.request.unitWhenNoLiaison;
    else errors.liaison_id = text.request.liaisonWhenNoUnit;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/** Checks a 催办 form: an optional note of at most 200 characters. */
export function checkRemind(input: Pick<ActionInput, 'note'>, version: number): Checked<RemindBody> {
  const note = input.note.trim();
  const problem = noteProblem(ACTION_SPECS.remind, note);
  if (problem) return { ok: false, errors: { note: problem } };
  return { ok: true, body: note === '' ? { version } : { version, note } };
}

/** The alliance units of one kind, for an <optgroup>. */
export interface UnitGroup {
  kind: string;
  label: string;
  units: Unit[];
}

/**
 * The units grouped by kind, the kinds in their usual order (unknown kinds
 * of a newer server last, as they are), each group by name.
 */
export function unitGroups(units: readonly Unit[]): UnitGroup[] {
  const byKind = new Map<string, Unit[]>();
  for (const u of units) byKind.set(u.kind, [...(byKind.get(u.kind) ?? []), u]);
  const rank = (k: string) => {
    const i = unitKinds.indexOf(k as (typeof unitKinds)[number]);
    return i < 0 ? unitKinds.length : i;
  };
  return [...byKind.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([kind, list]) => ({
      kind,
      label: unitKindLabel(kind),
      units: [...list].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.id - b.id),
    }));
}

/** Each liaison's open requests (not verified or rejected), for the liaison picker. */
export function openLoads(requests: readonly { properties: { liaison_id: number | null; status: string } }[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const { properties: p } of requests) {
    if (p.liaison_id === null || p.status === 'verified' || p.status === 'rejected') continue;
    out.set(p.liaison_id, (out.get(p.liaison_id) ?? 0) + 1);
  }
  return out;
}

/** What the user entered in the report form. */
export interface ReportInput {
  category: string;
  topic: string;
  title: string;
  description: string;
}

/** Checks a report as the server will (grid.NewRequest.Normalize). */
export function checkReport(orgId: number, input: ReportInput): Checked<NewRequest> {
  const errors: FieldErrors = {};
  const title = input.title.trim();
  const description = input.description.trim();
  if (!requestCategories.includes(input.category as RequestCategory)) errors.category = '请选择诉求类别';
  if (!requestTopics.includes(input.topic as RequestTopic)) errors.topic = '请选择服务领域';
  if (title === '') errors.title = '请填写诉求标题';
  else if (charCount(title) > MAX_TITLE) errors.title = `诉求标题不能超过 ${MAX_TITLE} 字`;
  if (charCount(description) > MAX_DESCRIPTION) errors.description = `诉求描述不能超过 ${MAX_DESCRIPTION} 字`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: { org_id: orgId, category: input.category as RequestCategory, topic: input.topic as RequestTopic, title, description },
  };
}

/** Chinese for a 400 problem about one field, by the field the server named. */
const FIELD_PROBLEMS: Record<string, string> = {
  note: '说明不符合要求',
  reason: '改派原因须为 2–200 字',
  liaison_id: '不能选择该联络员（不在本网格，或已是当前承办人），请重新选择',
  unit_id: '不能选择该联盟单位（不在本园区，或已是当前承办单位），请重新选择',
  satisfaction: '满意度须为 1–5 星',
  title: '诉求标题不符合要求',
  description: '诉求描述不符合要求',
  category: '请选择诉求类别',
  topic: '请选择服务领域',
  org_id: '该组织不存在或不在您的管辖范围内',
};

/** How the panel should react to a failed submission. */
export type Failure =
  /** Someone else moved the request first (409): reload and say so. */
  | { kind: 'stale'; message: string }
  /** The server named a field: show the message next to it. */
  | { kind: 'field'; field: string; message: string }
  /** Anything else: a message above the form; the input is kept for a retry. */
  | { kind: 'form'; message: string };

/** Sorts a failed submission into what the form should do with it. */
export function failureOf(err: unknown, fields: readonly string[]): Failure {
  if (!(err instanceof ApiError)) return { kind: 'form', message: '页面出现异常，请刷新重试' };
  if (err.status === 409 || err.code === 'conflict') return { kind: 'stale', message: text.request.stale };
  if (err.field && fields.includes(err.field) && (err.status === 400 || err.status === 422)) {
    return { kind: 'field', field: err.field, message: FIELD_PROBLEMS[err.field] ?? '输入有误' };
  }
  switch (true) {
    case err.status === 0:
      return { kind: 'form', message: '网络错误，未能提交，请检查网络后重试' };
    case err.status === 403:
      return { kind: 'form', message: '您无权执行该操作' };
    case err.status === 404:
      return { kind: 'form', message: text.request.notFound };
    case err.status === 413:
      return { kind: 'form', message: '内容过长，请精简后重试' };
    case err.status === 429:
      return { kind: 'form', message: '操作过于频繁，请稍后重试' };
    case err.status >= 500:
      return { kind: 'form', message: '服务器暂时无法处理，请稍后重试' };
  }
  return { kind: 'form', message: `提交失败（HTTP ${err.status}）` };
}

/** A random UUID v4, also where crypto.randomUUID is missing (plain HTTP on a LAN address). */
export function newIdempotencyKey(c: Pick<Crypto, 'getRandomValues'> & Partial<Pick<Crypto, 'randomUUID'>> = crypto): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The idempotency key of the last submission and the body it went with. */
export interface Attempt {
  key: string;
  body: string;
}

/**
 * The key for submitting `body`: the last one again when the body is the
 * same (a retry the server will answer with the first request), a new one
 * when the user changed something (the server refuses a key reused for
 * other content).
 */
export function attemptFor(last: Attempt | null, body: NewRequest | ReassignBody | RemindBody, newKey: () => string = newIdempotencyKey): Attempt {
  const json = JSON.stringify(body);
  return last && last.body === json ? last : { key: newKey(), body: json };
}

/** One line of the history, worded. */
export interface TimelineEntry {
  at: string;
  actor: string;
  what: string;
  /** "发现 → 交办"; empty when the status did not change. */
  move: string;
  /** Action details: the assignee, the rating, the card. */
  detail: string;
  note: string;
  tone: 'normal' | 'yellow' | 'red' | 'danger' | 'done' | 'reassign' | 'remind';
}

/** Words one history event; liaisonName and unitName name ids when they are known. */
export function timelineEntry(
  e: RequestEvent,
  liaisonName: (id: number) => string | undefined = () => undefined,
  unitName: (id: number) => string | undefined = () => undefined,
): TimelineEntry {
  const data = e.data ?? {};
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  let detail = '';
  let tone: TimelineEntry['tone'] = 'normal';
  switch (e.action) {
    case 'assign': {
      const liaison = num(data.liaison_id);
      const unit = num(data.unit_id);
      const who = [
        liaison !== null ? text.request.liaison(liaisonName(liaison) ?? `#${liaison}`) : '',
        unit !== null ? unitLine(unit, unitName(unit)) : '',
      ].filter(Boolean);
      if (who.length > 0) detail = `交办给${who.join('、')}`;
      break;
    }
    case 'verify': {
      const s = num(data.satisfaction);
      if (s !== null) detail = `${text.request.satisfaction} ${stars(s)}`;
      tone = 'done';
      break;
    }
    case 'supervise': {
      const level = typeof data.level === 'string' ? data.level : '';
      if (level === 'yellow' || level === 'red') {
        detail = supervisionLabel(level);
        tone = level;
      }
      break;
    }
    case 'reassign': {
      const who = (l: unknown, u: unknown) =>
        [
          num(l) !== null ? text.request.liaison(liaisonName(num(l)!) ?? `#${num(l)}`) : '',
          num(u) !== null ? unitLine(num(u)!, unitName(num(u)!)) : '',
        ].filter(Boolean);
      const to = who(data.liaison_id, data.unit_id);
      const from = who(data.from_liaison_id, data.from_unit_id);
      if (to.length > 0) detail = `改派给${to.join('、')}` + (from.length > 0 ? `（原${from.join('、')}）` : '');
      if (data.overdue === true) detail += `，${text.request.overdueWhenHanded}`;
      tone = 'reassign';
      break;
    }
    case 'remind': {
      const liaison = num(data.liaison_id);
      const unit = num(data.unit_id);
      const who = [
        liaison !== null ? text.request.liaison(liaisonName(liaison) ?? `#${liaison}`) : '',
        unit !== null ? unitLine(unit, unitName(unit)) : '',
      ].filter(Boolean);
      const count = num(data.count);
      detail = `催办${who.join('、')}` + (count !== null ? `（第 ${count} 次）` : '');
      tone = 'remind';
      break;
    }
    case 'reject':
      tone = 'danger';
      break;
  }
  const moved = e.from_status && e.from_status !== e.to_status;
  return {
    at: e.at,
    actor: e.actor_name || text.request.system,
    what: actionLabel(e.action),
    move: moved ? `${statusLabel(e.from_status!)} → ${statusLabel(e.to_status)}` : '',
    detail,
    note: e.note,
    tone,
  };
}

/** "联盟单位 园区科技金融服务中心", or "联盟单位 #26" when the name is not known. */
export function unitLine(id: number, name: string | undefined): string {
  return name ? `${text.request.unitLabel} ${name}` : text.request.unit(id);
}

/** "★★★★☆" for 4 of 5. */
export function stars(n: number): string {
  const k = Math.max(0, Math.min(5, Math.round(n)));
  return '★'.repeat(k) + '☆'.repeat(5 - k);
}

/** "一般诉求 · 7 天内办结". */
export function categoryLine(category: string): string {
  const hint = text.request.categoryHint[category];
  return hint ? `${categoryLabel(category)} · ${hint}` : categoryLabel(category);
}
