import { describe, expect, it } from 'vitest';
import { gridChangeText, gridImportUrl, gridSummaryOf, loadText, problemPlace, ruleReason, type GridChange, type GridImportReport } from './gridimports';

const report = (over: Partial<GridImportReport> = {}): GridImportReport => ({
  dry_run: true, written: false, format: 'shapefile', features: 6, inserted: 1, updated: 4, unchanged: 1, removed: 0, removed_codes: [], preview_key: 'k',
  moved: 3, liaisons_ended: 2, errors: [], error_count: 0, moves: [], loads: [], ...over,
});

describe('gridImportUrl', () => {
  it('sends the coordinate system and the dry run', () => {
    expect(gridImportUrl('gcj02', true)).toBe('/api/v1/import/grids?crs=gcj02&dry_run=true');
    expect(gridImportUrl('', false)).toBe('/api/v1/import/grids?crs=wgs84');
    expect(gridImportUrl('wgs84', false, 'ab12')).toBe('/api/v1/import/grids?crs=wgs84&preview=ab12');
    expect(gridImportUrl('wgs84', true, '', true)).toBe('/api/v1/import/grids?crs=wgs84&dry_run=true&zone_boundary=from_grids');
  });
});

describe('problemPlace', () => {
  it('names the feature and its code, or the zone', () => {
    expect(problemPlace({ feature: 3, code: 'G03', field: 'geometry', reason: '自相交' })).toBe('第 3 个要素（G03）');
    expect(problemPlace({ feature: 2, field: 'code', reason: '缺少网格编码' })).toBe('第 2 个要素');
    expect(problemPlace({ feature: 0, field: 'geometry', reason: '空隙' })).toBe('园区');
    expect(problemPlace({ feature: 0, field: 'file', reason: '超出上限' })).toBe('文件');
  });
});

describe('gridSummaryOf', () => {
  it('says what a preview would do, what an import did, or why nothing was written', () => {
    expect(gridSummaryOf(report())).toBe('Shapefile，6 个要素。预览：新增 1 个网格，更新 4 个，未变 1 个，删除 0 个；3 家企业改变网格，其中 2 家将无联络员（包联解除）。确认无误后点“确认导入”。');
    expect(gridSummaryOf(report({ removed: 2, removed_codes: ['G05', 'G06'] }))).toContain('删除 2 个（G05、G06）');
    expect(gridSummaryOf(report({ dry_run: false, written: true }))).toContain('导入完成');
    expect(gridSummaryOf(report({ zone: { area_from_m2: 3e6, area_to_m2: 2e6, orgs_outside: 1, orgs_outside_names: ['甲公司'] } })))
      .toContain('区界改为网格的并集：300.00 公顷 → 200.00 公顷，1 家企业落在新区界外（如 甲公司）');
    expect(gridSummaryOf(report({ error_count: 2 }))).toBe('Shapefile，6 个要素。发现 2 个问题，未写入任何数据。请改正文件后重新预览。');
  });
});

describe('loadText and ruleReason', () => {
  it('reads in Chinese', () => {
    expect(loadText({ liaison_id: 1, name: '李四', grid: 'B', before: 5, after: 3, min: 5, max: 8 })).toBe('李四（网格 B）：5 → 3 家，应为 5–8 家');
    expect(ruleReason('territory')).toBe('属地兜底');
  });
});

describe('gridChangeText', () => {
  const change = (over: Partial<GridChange>): GridChange => ({
    code: 'G01', action: 'update', name_from: '新材料产业网格', name_to: '新材料产业网格', industry_from: '新材料', industry_to: '新材料',
    officer_from: '王五', officer_to: '王五', instructor_from: '', instructor_to: '', area_from_m2: 1_020_000, area_to_m2: 1_020_000,
    shape_changed: false, ...over,
  });
  it('names each attribute that changes, old → new, and the area a new boundary gains or loses', () => {
    expect(gridChangeText(change({ name_to: 'G01' }))).toBe('名称 新材料产业网格 → G01');
    expect(gridChangeText(change({ industry_to: '装备制造', shape_changed: true, area_to_m2: 1_000_000 })))
      .toBe('行业 新材料 → 装备制造；边界改变，面积 102.00 公顷 → 100.00 公顷（−2.00 公顷）');
    expect(gridChangeText(change({ shape_changed: true, area_to_m2: 1_020_600 }))).toBe('边界改变，面积 102.00 公顷 → 102.06 公顷（+600 平方米）');
    expect(gridChangeText(change({ action: 'remove', area_to_m2: 0 }))).toBe('删除：新材料产业网格，新材料，102.00 公顷');
    expect(gridChangeText(change({ action: 'insert', name_from: '', industry_from: '', area_from_m2: 0 }))).toBe('新增：新材料产业网格，新材料，102.00 公顷');
  });
});

describe('gridSummaryOf with reason changes', () => {
  it('counts the organizations that stay in their grid for another reason', () => {
    expect(gridSummaryOf(report({ rereasoned: 69 }))).toContain('3 家企业改变网格，其中 2 家将无联络员（包联解除），69 家留在原网格但归属依据改变。');
  });
});
