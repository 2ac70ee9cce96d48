// Registering, editing, moving and retiring organizations: the checks and
// wording the forms share, kept free of the DOM so they can be tested.
import { ApiError, type NewOrg, type OrgKind, type OrgPatch, type OrgProperties, type PartyOrg, type PointGeometry, type Retirement } from './api';
import { gridReasonLabel } from './i18n';

/** Admins and grid officers register, change, move and retire organizations. */
export function canEditOrgs(role: string): boolean {
  return role === 'admin' || role === 'officer';
}

/** The organization form's fields as typed. */
export interface OrgFormValues {
  name: string;
  uscc: string;
  kind: OrgKind | '';
  industry: string;
  employees: string;
  party_members: string;
  party_org: PartyOrg;
  address: string;
  high_tech: boolean;
  specialized: boolean;
}

export const ORG_FIELDS = ['name', 'uscc', 'kind', 'industry', 'employees', 'party_members', 'party_org', 'address', 'geometry'] as const;

export function emptyOrgForm(): OrgFormValues {
  return { name: '', uscc: '', kind: 'enterprise', industry: '', employees: '0', party_members: '0', party_org: 'none', address: '', high_tech: false, specialized: false };
}

export function formOf(p: OrgProperties): OrgFormValues {
  return {
    name: p.name,
    uscc: p.uscc,
    kind: p.kind,
    industry: p.industry,
    employees: String(p.employees),
    party_members: String(p.party_members),
    party_org: p.party_org,
    address: p.address ?? '',
    high_tech: p.high_tech,
    specialized: p.specialized,
  };
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Whether code is a well-formed unified social credit code (GB 32100), check character included. */
export function usccValid(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(code[i]) * USCC_WEIGHTS[i];
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === code[17];
}

const chars = (s: string) => [...s].length;

function count(s: string): number | null {
  const t = s.trim();
  if (!/^\d{1,9}$/.test(t)) return null;
  return Number(t);
}

export type Checked<T> = { ok: true; body: T } | { ok: false; errors: Partial<Record<string, string>> };

/** Checks the form as the server will, with the messages shown beside the fields. */
export function checkOrgForm(v: OrgFormValues): Checked<Omit<NewOrg, 'geometry'>> {
  const errors: Record<string, string> = {};
  const name = v.name.trim();
  const uscc = v.uscc.trim().toUpperCase();
  const industry = v.industry.trim();
  const employees = count(v.employees);
  const members = count(v.party_members);
  if (!name) errors.name = '请填写名称';
  else if (chars(name) > 100) errors.name = '名称不能超过 100 个字';
  if (!usccValid(uscc)) errors.uscc = '统一社会信用代码应为 18 位且校验位正确';
  if (!v.kind) errors.kind = '请选择类型';
  if (!industry) errors.industry = '请填写所属行业';
  else if (chars(industry) > 50) errors.industry = '行业不能超过 50 个字';
  if (employees === null) errors.employees = '从业人员应为非负整数';
  if (members === null) errors.party_members = '党员人数应为非负整数';
  else if (employees !== null && members > employees) errors.party_members = '党员人数不能超过从业人员';
  if (v.party_org === 'standalone' && (members ?? 0) < 3) errors.party_org = '单独组建党组织需有 3 名以上正式党员';
  if (chars(v.address.trim()) > 200) errors.address = '地址不能超过 200 个字';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: {
      name,
      uscc,
      kind: v.kind as OrgKind,
      industry,
      employees: employees!,
      party_members: members!,
      party_org: v.party_org,
      high_tech: v.high_tech,
      specialized: v.specialized,
      address: v.address.trim(),
    },
  };
}

/** The attributes of checked that differ from p, for a PATCH (nothing: null). */
export function changedAttributes(p: OrgProperties, checked: Omit<NewOrg, 'geometry'>): Omit<OrgPatch, 'version'> | null {
  const out: Record<string, unknown> = {};
  const before = { ...p, address: p.address ?? '' } as unknown as Record<string, unknown>;
  for (const [k, value] of Object.entries(checked)) if (before[k] !== value) out[k] = value;
  return Object.keys(out).length > 0 ? (out as Omit<OrgPatch, 'version'>) : null;
}

/** A WGS84 point for the API, to 6 decimals (about 0.1 m). */
export function pointAt(lng: number, lat: number): PointGeometry {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return { type: 'Point', coordinates: [r(lng), r(lat)] };
}

export const RETIRE_KINDS = ['moved_out', 'deregistered'] as const;

export function retireKindLabel(kind: string): string {
  return kind === 'moved_out' ? '迁出' : kind === 'deregistered' ? '注销' : kind;
}

/** Today's date in China (YYYY-MM-DD), the default date of a retirement. */
export function chinaToday(now: number): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Checks a retirement form: a kind, a date not in the future, a short note. */
export function checkRetire(v: { kind: string; date: string; note: string }, version: number, now: number): Checked<Retirement> {
  const errors: Record<string, string> = {};
  if (v.kind !== 'moved_out' && v.kind !== 'deregistered') errors.kind = '请选择迁出或注销';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date) || Number.isNaN(Date.parse(v.date))) errors.date = '请选择日期';
  else if (v.date > chinaToday(now)) errors.date = '日期不能晚于今天';
  if (chars(v.note.trim()) > 200) errors.note = '说明不能超过 200 个字';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, body: { kind: v.kind as Retirement['kind'], date: v.date, note: v.note.trim(), version } };
}

/** "新材料产业网格（行业归口）": where the rule put an organization. */
export function gridLine(p: Pick<OrgProperties, 'grid_id' | 'grid_reason'>, gridName: (id: number) => string | undefined): string {
  if (p.grid_id === null || p.grid_id === undefined) return '未划入网格';
  return `${gridName(p.grid_id) ?? `网格 #${p.grid_id}`}（${gridReasonLabel(p.grid_reason)}）`;
}

const fieldMessages: Record<string, string> = {
  name: '名称不符合要求',
  uscc: '统一社会信用代码不正确',
  kind: '请选择类型',
  industry: '行业不符合要求',
  employees: '从业人员不符合要求',
  party_members: '党员人数不符合要求',
  party_org: '党组织情况与党员人数不符',
  address: '地址不符合要求',
  geometry: '位置不在园区范围内',
  date: '日期不符合要求',
  note: '说明不符合要求',
};

/** Words a failed registration, change, move or retirement; field says where to show it. */
export function orgEditFailure(err: unknown): { field?: string; message: string } {
  if (!(err instanceof ApiError)) return { message: '页面出现异常，请刷新重试' };
  const { status, field } = err;
  if (status === 403 && field === 'geometry') return { field, message: '该位置不在您负责的网格内' };
  if (status === 403 && field === 'industry') return { field, message: '该行业归口其他网格，不在您负责的网格内' };
  if (status === 403) return { message: '您无权对该组织执行此操作' };
  if (status === 409 && field === 'uscc') return { field, message: '该统一社会信用代码已登记' };
  if (status === 409) return { message: '数据已被他人修改或企业已迁出/注销，请刷新后重试' };
  if ((status === 400 || status === 422) && field) {
    const own = /[\u4e00-\u9fff]/.test(err.detail) ? err.detail.split(' / ')[0] : '';
    return { field, message: own || fieldMessages[field] || '输入有误' };
  }
  if (status === 0) return { message: '网络错误，未能提交，请检查网络后重试' };
  if (status === 404) return { message: '该组织不存在或不在您的管辖范围内' };
  if (status >= 500) return { message: '服务器暂时无法处理，请稍后重试' };
  return { message: `提交失败（HTTP ${status}）` };
}
