// Chinese UI strings and the wording of API enums and errors.
import { ApiError, type GridReason, type OrgKind, type PartyOrg } from './api';

export const text = {
  loading: '正在加载地图数据…',
  loadingOrgs: (n: number) => `正在加载组织数据…已加载 ${n} 家`,
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

export const orgKinds: readonly OrgKind[] = ['enterprise', 'new_economic', 'social'];

// Unknown enum values (a newer server) are shown as they are, not hidden.
export const kindLabel = (kind: string): string => kindLabels[kind as OrgKind] ?? kind;
export const partyOrgLabel = (p: string): string => partyOrgLabels[p as PartyOrg] ?? p;
export const gridReasonLabel = (r: string): string => gridReasonLabels[r as GridReason] ?? r;

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
