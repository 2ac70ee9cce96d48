// Chinese UI strings and the wording of API enums and errors.
import { ApiError, type GridReason, type OrgKind, type PartyOrg } from './api';
import type { LoginFailure, Role } from './session';

export const text = {
  appTitle: 'gridgis · 园区网格地图',
  loginTitle: '登录 · gridgis 园区网格地图',
  loading: '正在加载地图数据…',
  loadingOrgs: (n: number) => `正在加载组织数据…已加载 ${n} 家`,
  loadingLegend: '正在加载网格与组织…',
  gridsSection: '产业网格',
  kindsSection: '组织类型',
  orgUnit: '家',
  showPanel: '图例',
  hidePanel: '收起',
  noData: '暂无记录',
  retry: '重试',
  noMapData: '暂无地图数据',
  popup: {
    uscc: '统一社会信用代码',
    kind: '组织类型',
    industry: '所属行业',
    partyOrg: '党组织',
    partyMembers: '党员',
    employees: '职工人数',
    grid: '所属网格',
    badges: '资质',
    lastContact: '最近联系',
    lastVisit: '最近走访',
    openRequests: '在办诉求',
    gridCode: '网格编码',
    gridIndustry: '主导产业',
    officer: '网格员',
    instructor: '党建指导员',
    orgCount: '组织数量',
  },
  highTech: '高新技术企业',
  specialized: '专精特新',
  persons: (n: number) => `${n} 人`,
  items: (n: number) => `${n} 件`,
  mine: '我的网格',
  scope: '数据范围',
  login: {
    submit: '登录',
    submitting: '正在登录…',
    waiting: (seconds: number) => `${waitWording(seconds)}后可重试`,
    needUsername: '请输入用户名',
    needPassword: '请输入密码',
    showPassword: '显示密码',
    hidePassword: '隐藏密码',
    bootFailed: '网络错误，暂时无法连接服务器，请稍后重试',
  },
  sessionExpired: '登录已过期，请重新登录',
  signedOut: '您已安全退出',
  signOut: '退出',
  signingOut: '正在退出…',
  signOutFailed: '退出失败：无法连接服务器，请稍后重试',
} as const;

/** Map control tooltips (MapLibre's `locale` option). */
export const mapLocale: Record<string, string> = {
  'NavigationControl.ZoomIn': '放大',
  'NavigationControl.ZoomOut': '缩小',
  'NavigationControl.ResetBearing': '指北',
  'FullscreenControl.Enter': '全屏',
  'FullscreenControl.Exit': '退出全屏',
  'ScaleControl.Meters': '米',
  'ScaleControl.Kilometers': '千米',
  'AttributionControl.ToggleAttribution': '版权信息',
  'Popup.Close': '关闭',
};

const kindLabels: Record<OrgKind, string> = {
  enterprise: '企业',
  new_economic: '新经济组织',
  social: '社会组织',
};

const partyOrgLabels: Record<PartyOrg, string> = {
  none: '未建立',
  standalone: '单独组建',
  joint: '联合组建',
};

const gridReasonLabels: Record<GridReason, string> = {
  industry: '行业归口',
  territory: '属地兜底',
  nearest: '就近划入',
  manual: '人工调整',
};

const roleLabels: Record<Role, string> = {
  admin: '管理员',
  officer: '网格员',
  liaison: '红领联络员',
  planner: '规划员',
};

export const orgKinds: readonly OrgKind[] = ['enterprise', 'new_economic', 'social'];

// Unknown enum values (a newer server) are shown as they are, not hidden.
export const kindLabel = (kind: string): string => kindLabels[kind as OrgKind] ?? kind;
export const partyOrgLabel = (p: string): string => partyOrgLabels[p as PartyOrg] ?? p;
export const gridReasonLabel = (r: string): string => gridReasonLabels[r as GridReason] ?? r;
export const roleLabel = (role: string): string => roleLabels[role as Role] ?? role;

/** What a failed sign-in tells the user. */
export function loginErrorMessage(failure: LoginFailure): string {
  switch (failure.kind) {
    case 'credentials':
      // Deliberately the same for an unknown user and a wrong password.
      return '用户名或密码错误';
    case 'throttled':
      return failure.retryAfter === null ? '尝试次数过多，请稍后再试' : `尝试次数过多，请 ${waitWording(failure.retryAfter)}后再试`;
    case 'network':
      return '网络错误，请检查网络连接后重试';
    case 'server':
      return failure.status === 503 ? '服务暂不可用，请稍后重试' : `登录失败，请稍后重试（HTTP ${failure.status}）`;
  }
}

/** "30 秒"; long waits in whole minutes, since "900 秒" reads badly. */
export function waitWording(seconds: number): string {
  return seconds <= 120 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`;
}

/** The status line, e.g. "6 个网格 · 404 家组织". */
export function countsLine(grids: number, orgs: number): string {
  return `${grids} 个网格 · ${orgs} 家组织`;
}

/** A date in the China time zone as 2025-11-20, or "暂无记录" when absent or unreadable. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return text.noData;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return text.noData;
  // en-CA formats as YYYY-MM-DD, the form Chinese government systems use.
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);
}

const problemCodes: Record<string, string> = {
  network: '无法连接服务器，请检查网络后刷新重试',
  unauthorized: '请先登录',
  forbidden: '没有访问权限',
  not_found: '请求的数据不存在',
  invalid: '请求参数有误',
  conflict: '数据已被他人修改，请刷新',
  internal: '服务器内部错误',
  paging: '服务器分页数据异常',
  bad_response: '服务器返回的数据格式有误',
};

const statusMessages: Record<number, string> = {
  401: problemCodes.unauthorized,
  403: problemCodes.forbidden,
  404: problemCodes.not_found,
  503: '服务暂不可用，请稍后重试',
};

/** The Chinese status-line message for a failed load. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const reason =
      problemCodes[err.code] ??
      statusMessages[err.status] ??
      (err.status >= 500 ? problemCodes.internal : `请求失败（HTTP ${err.status}）`);
    return `数据加载失败：${reason}`;
  }
  return '数据加载失败：页面出现异常，请刷新重试';
}
