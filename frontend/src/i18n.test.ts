import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { countsLine, errorMessage, formatDate, gridReasonLabel, kindLabel, orgKinds, partyOrgLabel } from './i18n';

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
