// Chinese UI strings and the wording of API enums and errors.
import {
  ApiError,
  type GridReason,
  type OrgKind,
  type PartyOrg,
  type RequestAction,
  type RequestCategory,
  type RequestStatus,
  type RequestTopic,
  type SlaColour,
  type Supervision,
  type UnitKind,
} from './api';
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
  mapCodeFailed: '地图组件加载失败，请刷新页面重试',
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
  request: {
    layerSection: '在办诉求',
    detailTitle: '诉求详情',
    tabLegend: '图层',
    tabTodo: '待办诉求',
    todoEmpty: '暂无在办诉求',
    todoHint: '按时限紧急程度排列：超期、临期、正常',
    todoOthers: '待交办或他人承办（仅供查看，不计入待办）',
    close: '关闭',
    loading: '正在加载诉求…',
    loadFailed: '诉求加载失败',
    org: '诉求企业',
    category: '诉求类别',
    topic: '服务领域',
    reportedAt: '上报时间',
    responseDue: '响应时限',
    due: '办结时限',
    assignee: '承办',
    unit: (id: number) => `联盟单位 #${id}`,
    liaison: (name: string) => `联络员 ${name}`,
    unknownLiaison: (id: number) => `联络员 #${id}`,
    notAssigned: '尚未交办',
    description: '诉求内容',
    resolution: '办理结果',
    rejectReason: '不予受理理由',
    satisfaction: '满意度',
    rework: (n: number) => `返工 ${n} 次`,
    history: '办理记录',
    actions: '办理',
    noActions: '当前无可办理的操作',
    readOnly: '只读账号，不能办理诉求',
    system: '系统',
    slaClosed: '已办结',
    slaRejected: '已终止',
    timeLeft: (d: string) => `剩余 ${d}`,
    overdueBy: (d: string) => `已超期 ${d}`,
    responsePhase: '响应',
    resolvePhase: '办结',
    stale: '该诉求已被他人更新，已刷新',
    changedElsewhere: (action: string) => `该诉求刚刚有新进展（${action}），已自动刷新`,
    notFound: '该诉求不存在或不在您的管辖范围内',
    submit: '提交',
    submitting: '正在提交…',
    cancel: '取消',
    liaisonLabel: '交办联络员',
    orgLiaison: '本企业包联',
    unitLabel: '联盟单位',
    noUnit: '不交给联盟单位',
    noUnits: '暂无联盟单位',
    currentUnit: (id: number) => `联盟单位 #${id}（当前）`,
    chooseAssignee: '请选择联络员或联盟单位',
    noLiaison: '不交给联络员',
    noLiaisons: '范围内暂无可交办的联络员',
    liaisonLoad: (load: number, max: number) => `包联 ${load}/${max}`,
    noteOptional: '说明（选填）',
    stars: (n: number) => `${n} 星`,
    chars: (n: number, max: number) => `${n}/${max}`,
    report: '上报诉求',
    reportTitle: '上报诉求',
    reportFor: '诉求企业',
    titleLabel: '诉求标题',
    titlePlaceholder: '一句话概括企业诉求',
    descriptionLabel: '诉求描述',
    descriptionPlaceholder: '企业遇到的问题、期望的帮助、联系人等',
    categoryHint: { ordinary: '7 天内办结', complex: '30 天内办结' } as Record<string, string>,
    reported: '诉求已上报',
    done: (label: string) => `已${label}`,
    newRequest: (title: string) => `新诉求：${title}`,
    updated: (title: string, status: string) => `诉求状态更新：${title} · ${status}`,
    supervised: (title: string, card: string) => `诉求督办：${title} · ${card}`,
    reminded: (title: string) => `诉求催办：${title}`,
    reassigned: (title: string) => `诉求改派：${title}`,
    remindedYou: (title: string) => `您被催办：${title}`,
    reassignedToYou: (title: string) => `${title} 已改派给您`,
    reassignedAway: (title: string) => `${title} 已改派他人`,
    reminders: (n: number) => `已催办 ${n} 次`,
    keepAssignee: '（不变）',
    newLiaisonLabel: '改派给联络员',
    newUnitLabel: '改派给联盟单位',
    current: '（当前）',
    chooseNewAssignee: '请选择新的联络员或联盟单位',
    unitWhenNoLiaison: '不指定联络员时请选择联盟单位',
    liaisonWhenNoUnit: '不交给联盟单位时请选择联络员',
    clearLiaison: '不指定联络员（仅交联盟单位）',
    clearUnit: '不交给联盟单位',
    overdueWhenHanded: '接手时已超期',
    openLoad: (n: number) => `在办 ${n} 件`,
    contactLogged: (org: string) => `新增联系记录：${org}`,
    visitLogged: (org: string) => `新增走访记录：${org}`,
    manyUpdates: (n: number) => `${n} 条诉求有更新`,
    manyChanges: (n: number) => `收到 ${n} 条更新`,
    resynced: '数据已与服务器同步',
    liveLost: '实时更新已断开，正在重连…',
    pick: (n: number) => `此处有 ${n} 件诉求`,
  },
} as const;

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

const statusLabels: Record<RequestStatus, string> = {
  reported: '待交办',
  assigned: '已交办',
  in_progress: '整改中',
  resolved: '待复核',
  verified: '已办结',
  rejected: '不予受理',
};

/** The five steps of the loop as the step indicator names them. */
const stepLabels: Record<RequestStatus, string> = {
  reported: '发现',
  assigned: '交办',
  in_progress: '整改',
  resolved: '销号',
  verified: '复核',
  rejected: '不予受理',
};

const categoryLabels: Record<RequestCategory, string> = {
  ordinary: '一般诉求',
  complex: '复杂诉求',
};

const topicLabels: Record<RequestTopic, string> = {
  landing: '招商落地',
  construction: '建设运营',
  operations: '生产经营',
  innovation: '创新发展',
  rights: '权益保障',
};

const actionLabels: Record<RequestAction | 'report' | 'supervise', string> = {
  report: '上报诉求',
  assign: '交办',
  start: '开始整改',
  resolve: '销号',
  verify: '复核通过',
  send_back: '退回整改',
  reject: '不予受理',
  reassign: '改派',
  remind: '催办',
  supervise: '督办',
};

const unitKindLabels: Record<UnitKind, string> = {
  government: '政府部门',
  bank: '金融机构',
  investor: '投资机构',
  research: '科研院所',
  association: '行业协会',
  service: '服务机构',
};

const slaLabels: Record<SlaColour, string> = { green: '正常', yellow: '临期', red: '超期' };
const slaShort: Record<SlaColour, string> = { green: '绿', yellow: '黄', red: '红' };
const supervisionLabels: Record<Supervision, string> = { none: '未督办', yellow: '黄牌督办', red: '红牌督办' };

export const orgKinds: readonly OrgKind[] = ['enterprise', 'new_economic', 'social'];
export const requestCategories: readonly RequestCategory[] = ['ordinary', 'complex'];
export const requestTopics: readonly RequestTopic[] = ['landing', 'construction', 'operations', 'innovation', 'rights'];
export const unitKinds: readonly UnitKind[] = ['government', 'bank', 'investor', 'research', 'association', 'service'];

// Unknown enum values (a newer server) are shown as they are, not hidden.
export const kindLabel = (kind: string): string => kindLabels[kind as OrgKind] ?? kind;
export const partyOrgLabel = (p: string): string => partyOrgLabels[p as PartyOrg] ?? p;
export const gridReasonLabel = (r: string): string => gridReasonLabels[r as GridReason] ?? r;
export const roleLabel = (role: string): string => roleLabels[role as Role] ?? role;
export const statusLabel = (s: string): string => statusLabels[s as RequestStatus] ?? s;
export const stepLabel = (s: string): string => stepLabels[s as RequestStatus] ?? s;
export const categoryLabel = (c: string): string => categoryLabels[c as RequestCategory] ?? c;
export const topicLabel = (t: string): string => topicLabels[t as RequestTopic] ?? t;
export const actionLabel = (a: string): string => actionLabels[a as RequestAction] ?? a;
export const slaLabel = (c: string): string => slaLabels[c as SlaColour] ?? c;
export const slaShortLabel = (c: string): string => slaShort[c as SlaColour] ?? c;
export const supervisionLabel = (s: string): string => supervisionLabels[s as Supervision] ?? s;
export const unitKindLabel = (k: string): string => unitKindLabels[k as UnitKind] ?? k;

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

/** The status line, e.g. "6 个网格 · 404 家组织 · 5 件在办诉求". */
export function countsLine(grids: number, orgs: number, openRequests?: number): string {
  const line = `${grids} 个网格 · ${orgs} 家组织`;
  return openRequests === undefined ? line : `${line} · ${openRequests} 件在办诉求`;
}

/**
 * The status line of a large scope (its organizations not loaded whole):
 * what the view shows, the organizations one by one (shown) or clusters
 * of about inView, out of total.
 */
export function largeCountsLine(grids: number, shown: number | null, inView: number, total: number, openRequests: number): string {
  const orgs = shown !== null ? `显示当前视野内 ${shown} 家 / 共 ${total} 家组织` : `聚合显示视野内约 ${inView} 家 / 共 ${total} 家组织`;
  return `${grids} 个网格 · ${orgs} · ${openRequests} 件在办诉求`;
}

/** A date in the China time zone as 2025-11-20, or "暂无记录" when absent or unreadable. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return text.noData;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return text.noData;
  // en-CA formats as YYYY-MM-DD, the form Chinese government systems use.
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);
}

const shanghaiDateTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** A time in the China time zone as 2025-11-20 09:16, or "暂无记录". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return text.noData;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return text.noData;
  const part = Object.fromEntries(shanghaiDateTime.formatToParts(d).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
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
