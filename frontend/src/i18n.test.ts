import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  actionLabel,
  categoryLabel,
  countsLine,
  errorMessage,
  formatDate,
  formatDateTime,
  requestTopics,
  slaLabel,
  statusLabel,
  stepLabel,
  supervisionLabel,
  topicLabel,
  gridReasonLabel,
  kindLabel,
  loginErrorMessage,
  orgKinds,
  partyOrgLabel,
  roleLabel,
  text,
  waitWording,
} from './i18n';

describe('enum labels', () => {
  it('names organization kinds in Chinese', () => {
    expect(orgKinds.map(kindLabel)).toEqual(['企业', '新经济组织', '社会组织']);
  });

  it('names party organization forms', () => {
    expect(['none', 'standalone', 'joint'].map(partyOrgLabel)).toEqual(['未建立', '单独组建', '联合组建']);
  });

  it('names the assignment rule reasons', () => {
    expect(['industry', 'territory', 'nearest', 'manual'].map(gridReasonLabel)).toEqual([
      '行业归口',
      '属地兜底',
      '就近划入',
      '人工调整',
    ]);
  });

  it('shows values it does not know as they are', () => {
    expect(kindLabel('cooperative')).toBe('cooperative');
  });
});

describe('countsLine', () => {
  it('reads like the status line', () => {
    expect(countsLine(6, 404)).toBe('6 个网格 · 404 家组织');
    expect(countsLine(6, 404, 5)).toBe('6 个网格 · 404 家组织 · 5 件在办诉求');
  });
});

describe('request labels', () => {
  it('names statuses, steps, categories, topics, actions, SLA and cards in Chinese', () => {
    expect(['reported', 'assigned', 'in_progress', 'resolved', 'verified', 'rejected'].map(statusLabel)).toEqual([
      '待交办',
      '已交办',
      '整改中',
      '待复核',
      '已办结',
      '不予受理',
    ]);
    expect(['reported', 'assigned', 'in_progress', 'resolved', 'verified'].map(stepLabel)).toEqual(['发现', '交办', '整改', '销号', '复核']);
    expect(['ordinary', 'complex'].map(categoryLabel)).toEqual(['一般诉求', '复杂诉求']);
    expect(requestTopics.map(topicLabel)).toEqual(['招商落地', '建设运营', '生产经营', '创新发展', '权益保障']);
    expect(['report', 'assign', 'start', 'resolve', 'verify', 'send_back', 'reject', 'supervise'].map(actionLabel)).toEqual([
      '上报诉求',
      '交办',
      '开始整改',
      '销号',
      '复核通过',
      '退回整改',
      '不予受理',
      '督办',
    ]);
    expect(['green', 'yellow', 'red'].map(slaLabel)).toEqual(['正常', '临期', '超期']);
    expect(['none', 'yellow', 'red'].map(supervisionLabel)).toEqual(['未督办', '黄牌督办', '红牌督办']);
    expect(statusLabel('archived')).toBe('archived');
  });
});

describe('formatDateTime', () => {
  it('shows date and time in China time', () => {
    expect(formatDateTime('2026-11-20T01:16:00Z')).toBe('2026-11-20 09:16');
    expect(formatDateTime('2026-11-19T16:05:00Z')).toBe('2026-11-20 00:05');
    expect(formatDateTime(null)).toBe('暂无记录');
    expect(formatDateTime('garbage')).toBe('暂无记录');
  });
});

describe('formatDate', () => {
  it('shows the date in China time', () => {
    expect(formatDate('2025-11-19T20:00:00Z')).toBe('2025-11-20');
  });

  it('says there is no record for null or garbage', () => {
    expect(formatDate(null)).toBe('暂无记录');
    expect(formatDate('not a date')).toBe('暂无记录');
  });
});

describe('errorMessage', () => {
  it('words known problem codes', () => {
    expect(errorMessage(new ApiError(0, 'network', 'network error', ''))).toBe(
      '数据加载失败：无法连接服务器，请检查网络后刷新重试',
    );
    expect(errorMessage(new ApiError(403, 'forbidden', 'Forbidden', ''))).toBe('数据加载失败：没有访问权限');
  });

  it('falls back on the HTTP status', () => {
    expect(errorMessage(new ApiError(500, 'db_down', 'Internal', ''))).toBe('数据加载失败：服务器内部错误');
    expect(errorMessage(new ApiError(418, 'teapot', 'I am a teapot', ''))).toBe('数据加载失败：请求失败（HTTP 418）');
  });

  it('covers errors that are not from the API', () => {
    expect(errorMessage(new TypeError('x is undefined'))).toBe('数据加载失败：页面出现异常，请刷新重试');
  });
});

describe('roleLabel', () => {
  it('names the four roles in Chinese', () => {
    expect(['admin', 'officer', 'liaison', 'planner'].map(roleLabel)).toEqual(['管理员', '网格员', '红领联络员', '规划员']);
  });

  it('shows a role it does not know as it is', () => {
    expect(roleLabel('auditor')).toBe('auditor');
  });
});

describe('loginErrorMessage', () => {
  it('says the same for a wrong username and a wrong password', () => {
    expect(loginErrorMessage({ kind: 'credentials' })).toBe('用户名或密码错误');
  });

  it('says how long to wait after too many attempts', () => {
    expect(loginErrorMessage({ kind: 'throttled', retryAfter: 30 })).toBe('尝试次数过多，请 30 秒后再试');
    expect(loginErrorMessage({ kind: 'throttled', retryAfter: 900 })).toBe('尝试次数过多，请 15 分钟后再试');
    expect(loginErrorMessage({ kind: 'throttled', retryAfter: null })).toBe('尝试次数过多，请稍后再试');
  });

  it('words network and server failures', () => {
    expect(loginErrorMessage({ kind: 'network' })).toBe('网络错误，请检查网络连接后重试');
    expect(loginErrorMessage({ kind: 'server', status: 503 })).toBe('服务暂不可用，请稍后重试');
    expect(loginErrorMessage({ kind: 'server', status: 500 })).toBe('登录失败，请稍后重试（HTTP 500）');
  });
});

describe('text.login.waiting', () => {
  it('counts the wait down on the button in the same words', () => {
    expect(text.login.waiting(29)).toBe('29 秒后可重试');
    expect(text.login.waiting(900)).toBe('15 分钟后可重试');
  });
});

describe('waitWording', () => {
  it('counts seconds up to two minutes, then whole minutes rounded up', () => {
    expect(waitWording(1)).toBe('1 秒');
    expect(waitWording(120)).toBe('120 秒');
    expect(waitWording(121)).toBe('3 分钟');
    expect(waitWording(600)).toBe('10 分钟');
  });
});
