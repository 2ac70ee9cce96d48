import { problemOf } from './api';

// 数据导入: what the organization register import page needs besides the
// DOM — the request it sends, the job it follows, the report it shows.
// The server checks everything; this only shapes and reads.

/** A register field the column mapping can name ('' reads no column). */
export const IMPORT_FIELDS: { field: string; label: string }[] = [
  { field: '', label: '（不导入）' },
  { field: 'name', label: '名称' },
  { field: 'uscc', label: '统一社会信用代码' },
  { field: 'kind', label: '类型' },
  { field: 'industry', label: '行业' },
  { field: 'address', label: '地址' },
  { field: 'lng', label: '经度' },
  { field: 'lat', label: '纬度' },
  { field: 'location', label: '坐标（经度, 纬度）' },
  { field: 'employees', label: '从业人员' },
  { field: 'party_members', label: '党员人数' },
  { field: 'party_org', label: '党组织情况' },
  { field: 'high_tech', label: '高新技术企业' },
  { field: 'specialized', label: '专精特新' },
];

const OTHER_FIELDS: Record<string, string> = { mapping: '列映射', file: '文件', encoding: '编码', sheet: '工作表', format: '格式', crs: '坐标系' };

/** A field's Chinese name, for the problems table. */
export function fieldLabel(field: string): string {
  return IMPORT_FIELDS.find((f) => f.field === field && field !== '')?.label ?? OTHER_FIELDS[field] ?? field;
}

export const CRS_OPTIONS: { value: string; label: string }[] = [
  { value: 'wgs84', label: 'WGS84（GPS、天地图）' },
  { value: 'gcj02', label: 'GCJ-02（高德、腾讯）' },
  { value: 'bd09', label: 'BD-09（百度）' },
  { value: 'cgcs2000', label: 'CGCS2000' },
];

export const ENCODING_OPTIONS: { value: string; label: string }[] = [
  { value: '', label: '自动识别' },
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'gbk', label: 'GBK（Excel 另存的 CSV）' },
];

export interface ImportOptions {
  crs: string;
  encoding: string;
  sheet: string;
  dryRun: boolean;
}

/** The import's URL with its query. */
export function importUrl(o: ImportOptions): string {
  const q = new URLSearchParams({ crs: o.crs || 'wgs84' });
  if (o.dryRun) q.set('dry_run', 'true');
  if (o.encoding) q.set('encoding', o.encoding);
  if (o.sheet.trim()) q.set('sheet', o.sheet.trim());
  return `/api/v1/import/organizations?${q}`;
}

/** A column mapping as the server takes it: {"column index": "field"}, columns read only. */
export function mappingJSON(mapping: Record<number, string>): string {
  const out: Record<string, string> = {};
  for (const [col, field] of Object.entries(mapping)) if (field) out[col] = field;
  return JSON.stringify(out);
}

export interface ImportProblem {
  row: number;
  field: string;
  reason: string;
}

export interface ImportReport {
  dry_run: boolean;
  written: boolean;
  inserted: number;
  updated: number;
  unchanged: number;
  regridded: number;
  total: number;
  valid: number;
  invalid: number;
  unlocated: { row: number; name: string; uscc: string }[];
  errors: ImportProblem[];
  /** How many problems and unlocated rows in all: the lists hold the first 10,000. */
  error_count: number;
  unlocated_count: number;
  /** Rows that come in but deserve a look (a point just outside the zone). */
  warnings?: ImportProblem[];
  warning_count?: number;
  header: string[] | null;
  header_row: number;
  mapping: Record<string, string> | null;
}

export interface Job {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  total: number;
  done: number;
  errors: number;
  result: ImportReport | null;
  error?: string;
}

/**
 * Posts an import's form to url and follows the job it starts until it
 * ends, calling seen with each state; pause waits between polls and says
 * false when the page is closed (the last state is then returned).
 */
export async function runImportJob<J extends Pick<Job, 'id' | 'status'>>(
  url: string, form: FormData, seen: (job: J) => void, pause: () => Promise<boolean>,
): Promise<J> {
  const posted = await fetch(url, { method: 'POST', body: form, credentials: 'same-origin' });
  if (!posted.ok) throw new Error(await problemText(posted));
  const { id } = (await posted.json()) as { id: number };
  for (;;) {
    const res = await fetch(`/api/v1/jobs/${id}`, { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(await problemText(res));
    const job = (await res.json()) as J;
    seen(job);
    if (finished(job) || !(await pause())) return job;
  }
}

async function problemText(res: Response): Promise<string> {
  const p = await problemOf(res);
  return p.detail || p.title;
}

/** Whether a job has ended. */
export function finished(j: Pick<Job, 'status'>): boolean {
  return j.status === 'done' || j.status === 'failed';
}

/** The progress line and fraction (null: not known yet) of a running job. */
export function progressOf(j: Job, dryRun: boolean): { text: string; fraction: number | null } {
  if (j.status === 'queued') return { text: '排队中…', fraction: null };
  if (!j.total) return { text: `已读 ${j.done.toLocaleString('zh-CN')} 行…`, fraction: null };
  // Each row is checked, then written (a dry run's writes are rolled back).
  const rows = Math.floor(j.total / 2);
  const writing = j.done > rows;
  const done = Math.min(writing ? j.done - rows : j.done, rows);
  const fraction = Math.min(1, j.done / j.total);
  const errors = j.errors ? `，发现 ${j.errors} 个问题` : '';
  // A dry run (or a file with problems) writes and rolls back: it compares.
  const phase = writing ? (dryRun || j.errors ? '比对' : '写入') : '检查';
  return { text: `${phase} ${done.toLocaleString('zh-CN')} / ${rows.toLocaleString('zh-CN')} 行（${Math.round(fraction * 100)}%）${errors}`, fraction };
}

/** The report's one-line summary, in Chinese. */
export function summaryOf(r: ImportReport): string {
  const read = `共 ${r.total} 行：无误 ${r.valid} 行，有问题 ${r.invalid} 行，无坐标 ${r.unlocated_count} 行。`;
  const would = r.valid > 0 ? `无误的行将新增 ${r.inserted} 家，更新 ${r.updated} 家，未变 ${r.unchanged} 家。` : '';
  if (r.error_count > 0) return `${read}发现 ${r.error_count} 个问题，未写入任何数据。请改正文件或列映射后重试。${would}`;
  const warned = r.warning_count ? `另有 ${r.warning_count} 处提醒，请核对。` : '';
  if (r.dry_run) return `${read}全部无误，可以导入：${would.replace('无误的行', '')}${warned}`;
  const place = r.unlocated_count ? `${r.unlocated_count} 家无坐标，请在“待定位”中放到地图上。` : '';
  return `导入完成：新增 ${r.inserted} 家，更新 ${r.updated} 家，未变 ${r.unchanged} 家。${place}${warned}`;
}

/** The mapping of a report as column → field, for the editor. */
export function mappingOf(r: ImportReport): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [col, field] of Object.entries(r.mapping ?? {})) out[Number(col)] = field;
  return out;
}
