// Contacts and visits (每周一联系、每月一走访) and an organization's liaison
// as pure logic: the overdue badges, the log's wording, the form checks
// that mirror the server's, who may do what, and which liaisons an officer
// may choose. The panel that uses it is orgpanel.ts.
import { ApiError, type ContactEntry, type ContactKind, type LiaisonFeature, type NewContact, type OrgProperties } from './api';

/** The server's limits (grid/contact.go). */
export const CONTACT_NOTE_MAX = 2000;
export const CONTACT_MAX_AGE_DAYS = 366;
/** A time this far ahead of now is a clock's drift, taken as now. */
export const CONTACT_CLOCK_SKEW_MS = 5 * 60_000;

export const CONTACT_KINDS: readonly ContactKind[] = ['contact', 'visit'];
const KIND_LABELS: Record<ContactKind, string> = { contact: '联系', visit: '走访' };
export const contactKindLabel = (k: string): string => KIND_LABELS[k as ContactKind] ?? k;

/** Roles that log contacts (action log_contacts in grid/roles.go): not planners. */
export function canLogContacts(role: string): boolean {
  return role === 'admin' || role === 'officer' || role === 'liaison';
}

/** Roles that assign liaisons by hand (action assign_liaisons in grid/roles.go): admins, and officers in their grids. */
export function canAssignLiaison(role: string): boolean {
  return role === 'admin' || role === 'officer';
}

export type ContactTone = 'ok' | 'overdue' | 'none';

export interface ContactStatus {
  kind: ContactKind;
  /** "最近联系" / "最近走访". */
  label: string;
  /** The last time, or null. */
  at: string | null;
  tone: ContactTone;
  /** "超期未联系" / "超期未走访" / "按期" / "未包联". */
  badge: string;
}

/**
 * The contact and visit lines of an organization: overdue as the server
 * says (a visit counts as a contact; only organizations with a liaison can
 * be overdue).
 */
export function contactStatus(p: Pick<OrgProperties, 'liaison_id' | 'last_contact_at' | 'last_visit_at' | 'contact_overdue' | 'visit_overdue'>): ContactStatus[] {
  const line = (kind: ContactKind, at: string | null, overdue: boolean | undefined): ContactStatus => {
    const tone: ContactTone = p.liaison_id === null ? 'none' : overdue ? 'overdue' : 'ok';
    const badge = tone === 'none' ? '未包联' : tone === 'overdue' ? (kind === 'visit' ? '超期未走访' : '超期未联系') : '按期';
    return { kind, label: kind === 'visit' ? '最近走访' : '最近联系', at, tone, badge };
  };
  // The latest of either kind counts as the last contact.
  const lastContact = [p.last_contact_at, p.last_visit_at].filter((t): t is string => Boolean(t)).sort().at(-1) ?? null;
  return [line('contact', lastContact, p.contact_overdue), line('visit', p.last_visit_at, p.visit_overdue)];
}

/** Whether an organization is overdue for either. */
export function isOverdue(p: Pick<OrgProperties, 'contact_overdue' | 'visit_overdue'>): boolean {
  return Boolean(p.contact_overdue || p.visit_overdue);
}

/** Counts of overdue organizations, for the legend. */
export function countOverdue(orgs: readonly { properties: Pick<OrgProperties, 'contact_overdue' | 'visit_overdue'> }[]): { contact: number; visit: number; any: number } {
  let contact = 0;
  let visit = 0;
  let any = 0;
  for (const o of orgs) {
    if (o.properties.contact_overdue) contact++;
    if (o.properties.visit_overdue) visit++;
    if (isOverdue(o.properties)) any++;
  }
  return { contact, visit, any };
}

/** What the user entered in the contact form. */
export interface ContactInput {
  kind: string;
  /** A datetime-local value (YYYY-MM-DDTHH:mm, China time); empty means now. */
  at: string;
  note: string;
}

export type ContactErrors = Partial<Record<'kind' | 'at' | 'note', string>>;

/** A datetime-local value read as China time, in ms; NaN when unreadable. */
export function chinaLocalTime(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 8, +m[5], m[6] ? +m[6] : 0);
}

/** A time in ms as a datetime-local value in China time. */
export function chinaLocalValue(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** Checks the form as the server will (grid.ContactInput.Validate) at now and builds the body. */
export function checkContact(input: ContactInput, now: number): { ok: true; body: NewContact } | { ok: false; errors: ContactErrors } {
  const errors: ContactErrors = {};
  if (!CONTACT_KINDS.includes(input.kind as ContactKind)) errors.kind = '请选择联系或走访';
  const body: NewContact = { kind: input.kind as ContactKind, note: input.note.trim() };
  if (input.at.trim() !== '') {
    const t = chinaLocalTime(input.at.trim());
    if (Number.isNaN(t)) errors.at = '请填写正确的时间';
    else if (t > now + CONTACT_CLOCK_SKEW_MS) errors.at = '时间不能晚于现在';
    else if (t < now - CONTACT_MAX_AGE_DAYS * 86_400_000) errors.at = `只能补登 ${CONTACT_MAX_AGE_DAYS} 天内的记录`;
    else body.at = new Date(Math.min(t, now)).toISOString();
  }
  if ([...body.note].length > CONTACT_NOTE_MAX) errors.note = `情况说明不能超过 ${CONTACT_NOTE_MAX} 字`;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/** One log entry, worded. */
export function contactLine(e: ContactEntry): { kind: string; who: string; note: string } {
  return {
    kind: contactKindLabel(e.kind),
    who: e.liaison_name ? `联络员 ${e.liaison_name}` : '（无包联联络员）',
    note: e.note || '（无说明）',
  };
}

/**
 * The liaisons offered for an organization: admins any of the zone's, the
 * organization's grid first; officers only those of the organization's
 * grid (the server refuses others).
 */
export function liaisonChoices(liaisons: readonly LiaisonFeature[], orgGridId: number, role: string): LiaisonFeature[] {
  const pool = role === 'admin' ? [...liaisons] : liaisons.filter((l) => l.properties.grid_id === orgGridId);
  return pool.sort(
    (a, b) =>
      Number(b.properties.grid_id === orgGridId) - Number(a.properties.grid_id === orgGridId) ||
      (a.properties.grid_id ?? 0) - (b.properties.grid_id ?? 0) ||
      a.properties.name.localeCompare(b.properties.name, 'zh-CN') ||
      a.id - b.id,
  );
}

/** A liaison as the select words them: name, load against capacity, a note when full or of another grid. */
export function liaisonOption(l: LiaisonFeature, orgGridId: number, current: number | null, gridName: (id: number) => string | undefined): string {
  const p = l.properties;
  const notes: string[] = [];
  if (l.id === current) notes.push('当前');
  else if (p.load >= p.max) notes.push('已满');
  if (p.grid_id !== orgGridId && p.grid_id !== null) notes.push(gridName(p.grid_id) ?? `网格 #${p.grid_id}`);
  return `${p.name} · 包联 ${p.load}/${p.max}${notes.length > 0 ? `（${notes.join('，')}）` : ''}`;
}

/** Why a contact or an assignment was refused, worded for the form. */
export function orgActionFailure(err: unknown, fields: readonly string[]): { field?: string; message: string } {
  if (!(err instanceof ApiError)) return { message: '页面出现异常，请刷新重试' };
  if (err.field && fields.includes(err.field) && (err.status === 400 || err.status === 422)) {
    const messages: Record<string, string> = {
      kind: '请选择联系或走访',
      at: '时间不符合要求（不能晚于现在，只能补登一年内的记录）',
      note: '情况说明不符合要求',
      liaison_id: '不能选择该联络员（须为本网格的在岗联络员）',
      pinned: '未包联的组织不能锁定',
    };
    return { field: err.field, message: messages[err.field] ?? '输入有误' };
  }
  switch (true) {
    case err.status === 0:
      return { message: '网络错误，未能提交，请检查网络后重试' };
    case err.status === 403:
      return { message: err.field === 'liaison_id' ? '只能选择本人负责网格的联络员' : '您无权对该组织执行此操作' };
    case err.status === 404:
      return { message: '该组织不存在或不在您的管辖范围内' };
    case err.status === 409:
      return { message: '数据已被他人修改，请刷新后重试' };
    case err.status === 429:
      return { message: '操作过于频繁，请稍后重试' };
    case err.status >= 500:
      return { message: '服务器暂时无法处理，请稍后重试' };
  }
  return { message: `提交失败（HTTP ${err.status}）` };
}
