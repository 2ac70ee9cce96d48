// 网格边界导入: what the grid boundary import needs besides the DOM — the
// request, the report it shows. The server checks everything (rings,
// self-intersections, overlaps, gaps) and previews who changes grid.

/** The files the boundary import reads. */
export const GRID_FILE_ACCEPT = '.geojson,.json,.kml,.kmz,.zip,.gpkg';

/** The import's URL with its query; preview is a preview's key, so that the commit is what it showed. */
export function gridImportUrl(crs: string, dryRun: boolean, preview = '', zoneFromGrids = false): string {
  const q = new URLSearchParams({ crs: crs || 'wgs84' });
  if (dryRun) q.set('dry_run', 'true');
  if (preview) q.set('preview', preview);
  // The zone becomes the grids' union: how a zone shrinks or is redrawn inward.
  if (zoneFromGrids) q.set('zone_boundary', 'from_grids');
  return `/api/v1/import/grids?${q}`;
}

export interface GridProblem {
  feature: number;
  code?: string;
  field: string;
  reason: string;
  point?: [number, number];
  area_m2?: number;
  other?: number;
}

export interface GridMove {
  org_id: number;
  name: string;
  uscc: string;
  from_grid: string;
  to_grid: string;
  reason: string;
  from_reason: string;
  liaison_ended: boolean;
}

/** A grid the import inserts, updates or removes, with what changes. */
export interface GridChange {
  code: string;
  action: 'insert' | 'update' | 'remove';
  name_from: string;
  name_to: string;
  industry_from: string;
  industry_to: string;
  officer_from: string;
  officer_to: string;
  instructor_from: string;
  instructor_to: string;
  area_from_m2: number;
  area_to_m2: number;
  shape_changed: boolean;
}

export interface LiaisonLoad {
  liaison_id: number;
  name: string;
  grid: string;
  before: number;
  after: number;
  min: number;
  max: number;
}

export interface GridImportReport {
  dry_run: boolean;
  written: boolean;
  format: string;
  features: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  removed_codes: string[];
  preview_key: string;
  moved: number;
  liaisons_ended: number;
  rereasoned?: number;
  errors: GridProblem[];
  error_count: number;
  changes?: GridChange[];
  moves: GridMove[];
  rereasons?: GridMove[];
  loads: LiaisonLoad[];
  zone?: { area_from_m2: number; area_to_m2: number; orgs_outside: number; orgs_outside_names: string[] };
}

const FORMATS: Record<string, string> = {
  geojson: 'GeoJSON', kml: 'KML', shapefile: 'Shapefile', mapinfo: 'MapInfo TAB', gpkg: 'GeoPackage',
};

const FIELDS: Record<string, string> = {
  geometry: '几何', code: '网格编码', name: '网格名称', preview: '预览', industry: '行业', officer: '网格员', file: '文件', format: '格式', crs: '坐标系',
};

const REASONS: Record<string, string> = { industry: '行业归口', territory: '属地兜底', nearest: '就近', manual: '手工' };

/** Where a problem is: its feature (and grid code), or the zone as a whole. */
export function problemPlace(p: GridProblem): string {
  if (p.feature <= 0) return p.field === 'file' ? '文件' : '园区';
  return p.code ? `第 ${p.feature} 个要素（${p.code}）` : `第 ${p.feature} 个要素`;
}

/** A problem field's Chinese name. */
export function gridFieldLabel(field: string): string {
  return FIELDS[field] ?? field;
}

/** The rule's reason in Chinese. */
export function ruleReason(reason: string): string {
  return REASONS[reason] ?? reason;
}

/** The report's summary, in Chinese. */
export function gridSummaryOf(r: GridImportReport): string {
  const read = r.format ? `${FORMATS[r.format] ?? r.format}，${r.features} 个要素。` : '';
  if (r.error_count > 0) return `${read}发现 ${r.error_count} 个问题，未写入任何数据。请改正文件后重新预览。`;
  const removed = r.removed_codes?.length ? `（${r.removed_codes.join('、')}）` : '';
  const grids = `新增 ${r.inserted} 个网格，更新 ${r.updated} 个，未变 ${r.unchanged} 个，删除 ${r.removed} 个${removed}`;
  const ended = r.liaisons_ended ? `，其中 ${r.liaisons_ended} 家${r.dry_run ? '将' : ''}无联络员（包联解除）` : '';
  const rereasoned = r.rereasoned ? `，${r.rereasoned} 家留在原网格但归属依据改变` : '';
  const moves = `${r.moved} 家企业改变网格${ended}${rereasoned}`;
  const z = r.zone;
  const outside = z?.orgs_outside ? `，${z.orgs_outside} 家企业落在新区界外（如 ${z.orgs_outside_names.join('、')}）` : '';
  const zone = z ? `；区界改为网格的并集：${areaText(z.area_from_m2)} → ${areaText(z.area_to_m2)}${outside}` : '';
  if (r.dry_run) return `${read}预览：${grids}；${moves}${zone}。确认无误后点“确认导入”。`;
  return `导入完成：${grids}；${moves}${zone}，已记入审计日志。`;
}

/** A liaison load's line: before → after against the capacity. */
export function loadText(l: LiaisonLoad): string {
  return `${l.name}（网格 ${l.grid}）：${l.before} → ${l.after} 家，应为 ${l.min}–${l.max} 家`;
}

/** An area in square metres, in 公顷 from one hectare up. */
export function areaText(m2: number): string {
  return Math.abs(m2) >= 1e4 ? `${(m2 / 1e4).toFixed(2)} 公顷` : `${Math.round(m2)} 平方米`;
}

/** What an import does to one grid, in Chinese: each attribute that changes, old → new. */
export function gridChangeText(c: GridChange): string {
  if (c.action === 'insert') return `新增：${c.name_to}，${c.industry_to}，${areaText(c.area_to_m2)}`;
  if (c.action === 'remove') return `删除：${c.name_from}，${c.industry_from}，${areaText(c.area_from_m2)}`;
  const parts: string[] = [];
  const attr = (label: string, from: string, to: string) => {
    if (from !== to) parts.push(`${label} ${from || '（无）'} → ${to || '（无）'}`);
  };
  attr('名称', c.name_from, c.name_to);
  attr('行业', c.industry_from, c.industry_to);
  attr('网格员', c.officer_from, c.officer_to);
  attr('党建指导员', c.instructor_from, c.instructor_to);
  if (c.shape_changed) {
    const d = c.area_to_m2 - c.area_from_m2;
    parts.push(`边界改变，面积 ${areaText(c.area_from_m2)} → ${areaText(c.area_to_m2)}（${d >= 0 ? '+' : '−'}${areaText(Math.abs(d))}）`);
  }
  return parts.join('；');
}
