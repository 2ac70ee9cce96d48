import { describe, expect, it } from 'vitest';
import { fieldLabel, importUrl, mappingJSON, mappingOf, progressOf, summaryOf, type ImportReport, type Job } from './imports';

const report = (over: Partial<ImportReport> = {}): ImportReport => ({
  dry_run: true, written: false, inserted: 0, updated: 0, unchanged: 0, regridded: 0,
  total: 3, valid: 3, invalid: 0, unlocated: [], errors: [], header: ['名称'], header_row: 1, mapping: { '0': 'name' },
  error_count: over.errors?.length ?? 0, unlocated_count: over.unlocated?.length ?? 0,
  ...over,
});

describe('importUrl', () => {
  it('sends the options the clerk chose', () => {
    expect(importUrl({ crs: 'gcj02', encoding: 'gbk', sheet: ' 名录 ', dryRun: true })).toBe(
      '/api/v1/import/organizations?crs=gcj02&dry_run=true&encoding=gbk&sheet=%E5%90%8D%E5%BD%95',
    );
    expect(importUrl({ crs: '', encoding: '', sheet: '', dryRun: false })).toBe('/api/v1/import/organizations?crs=wgs84');
  });
});

describe('mappingJSON', () => {
  it('keeps only the columns read', () => {
    expect(mappingJSON({ 0: 'name', 1: '', 3: 'uscc' })).toBe('{"0":"name","3":"uscc"}');
    expect(mappingOf(report({ mapping: { '0': 'name', '3': 'uscc' } }))).toEqual({ 0: 'name', 3: 'uscc' });
  });
});

describe('progressOf', () => {
  const job = (over: Partial<Job>): Job => ({ id: 1, status: 'running', total: 0, done: 0, errors: 0, result: null, ...over });
  it('counts rows checked, then rows written', () => {
    expect(progressOf(job({ total: 200, done: 50 }), false)).toEqual({ text: '检查 50 / 100 行（25%）', fraction: 0.25 });
    expect(progressOf(job({ total: 200, done: 150, errors: 0 }), false).text).toBe('写入 50 / 100 行（75%）');
    expect(progressOf(job({ total: 200, done: 100, errors: 2 }), false).text).toBe('检查 100 / 100 行（50%），发现 2 个问题');
  });
  it('compares, not writes, on a dry run or with problems', () => {
    expect(progressOf(job({ total: 200, done: 150 }), true).text).toBe('比对 50 / 100 行（75%）');
    expect(progressOf(job({ total: 200, done: 200, errors: 1 }), false).text).toBe('比对 100 / 100 行（100%），发现 1 个问题');
  });
  it('has no fraction before the rows are known', () => {
    expect(progressOf(job({ done: 3000 }), true)).toEqual({ text: '已读 3,000 行…', fraction: null });
    expect(progressOf(job({ status: 'queued' }), true).fraction).toBeNull();
  });
});

describe('summaryOf', () => {
  it('says what happened, in Chinese', () => {
    expect(summaryOf(report({ inserted: 2, updated: 1 }))).toBe('共 3 行：无误 3 行，有问题 0 行，无坐标 0 行。全部无误，可以导入：将新增 2 家，更新 1 家，未变 0 家。');
    expect(summaryOf(report({ errors: [{ row: 4, field: 'uscc', reason: 'x' }], invalid: 1, valid: 2, inserted: 2 }))).toContain('未写入任何数据。请改正文件或列映射后重试。无误的行将新增 2 家');
    expect(summaryOf(report({ dry_run: false, written: true, inserted: 2, updated: 1 }))).toBe('导入完成：新增 2 家，更新 1 家，未变 0 家。');
  });
  it('tells where to place the unlocated ones, and counts the warnings', () => {
    expect(summaryOf(report({ dry_run: false, written: true, inserted: 2, unlocated_count: 1, warning_count: 3 }))).toBe(
      '导入完成：新增 2 家，更新 0 家，未变 0 家。1 家无坐标，请在“待定位”中放到地图上。另有 3 处提醒，请核对。',
    );
  });
  it('counts every problem and unlocated row, not only those listed', () => {
    const listed = [{ row: 2, field: 'uscc', reason: 'x' }];
    const s = summaryOf(report({ total: 30000, valid: 5000, invalid: 25000, errors: listed, error_count: 25000, unlocated_count: 12000 }));
    expect(s).toContain('无坐标 12000 行');
    expect(s).toContain('发现 25000 个问题');
  });
  it('names fields in Chinese', () => {
    expect(fieldLabel('uscc')).toBe('统一社会信用代码');
    expect(fieldLabel('mapping')).toBe('列映射');
    expect(fieldLabel('')).toBe('');
  });
});
