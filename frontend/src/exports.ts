// The pure parts of the 导出 menu and the printable map: what can be
// downloaded, the file names the server gives, the report month, and the
// scale bar and page sizes of a printed map.

/** One download the 导出 menu offers. */
export interface ExportItem {
  id: string;
  /** The menu's label and the hint under it. */
  label: string;
  hint: string;
  /** The path under /api/v1. */
  path: string;
  /** Takes the month picker's month. */
  monthly?: boolean;
}

/** The registers and ledgers, in menu order; the server scopes each to the signed-in user. */
export const EXPORT_ITEMS: readonly ExportItem[] = [
  { id: 'orgs-xlsx', label: '企业名录（Excel）', hint: '.xlsx，可用 Excel、WPS 打开', path: '/export/organizations.xlsx' },
  { id: 'orgs-csv', label: '企业名录（CSV）', hint: '.csv，UTF-8 编码', path: '/export/organizations.csv' },
  { id: 'orgs-geojson', label: '企业点位（GeoJSON）', hint: '.geojson，供 GIS 软件使用', path: '/export/organizations.geojson' },
  { id: 'orgs-kml', label: '企业点位（KML）', hint: '.kml，可在奥维、Google 地球中打开', path: '/export/organizations.kml' },
  { id: 'requests', label: '诉求台账（Excel）', hint: '全部诉求及办理情况', path: '/export/requests.xlsx' },
  { id: 'contacts', label: '联系走访台账（Excel）', hint: '所选月份的联系与走访', path: '/export/contacts.xlsx', monthly: true },
  { id: 'visits', label: '走访台账（Excel）', hint: '所选月份的走访', path: '/export/visits.xlsx', monthly: true },
  { id: 'monthly', label: '工作月报（Excel）', hint: '覆盖指标、办理指标、逾期清单', path: '/export/monthly.xlsx', monthly: true },
];

/** Which roles get the 导出 menu: every role that reads, each within its own scope. */
export function mayExport(role: string): boolean {
  return role === 'admin' || role === 'officer' || role === 'planner' || role === 'liaison';
}

/** The URL of an export, with the month for the monthly ones. */
export function exportUrl(item: ExportItem, month: string, base = '/api/v1'): string {
  return item.monthly ? `${base}${item.path}?month=${encodeURIComponent(month)}` : base + item.path;
}

/**
 * The file name in a Content-Disposition header: the UTF-8 filename*
 * (RFC 5987) when there is one, else the plain filename, else null.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // A malformed encoding: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(header) ?? /filename\s*=\s*([^;\s]+)/i.exec(header);
  return plain ? plain[1] : null;
}

/** The calendar date in China Standard Time (UTC+8, no daylight saving). */
function chinaDate(now: Date): { y: number; m: number; d: number } {
  const t = new Date(now.getTime() + 8 * 3600_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** This month (China Standard Time) as YYYY-MM: the latest a report may be for. */
export function currentMonth(now: Date): string {
  const { y, m } = chinaDate(now);
  return `${y}-${pad2(m)}`;
}

/** The month a report is usually wanted for: the one before this. */
export function defaultReportMonth(now: Date): string {
  const { y, m } = chinaDate(now);
  return m === 1 ? `${y - 1}-12` : `${y}-${pad2(m - 1)}`;
}

/** "2025-06" as 2025年6月; anything else as it is. */
export function monthLabel(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  return m ? `${m[1]}年${Number(m[2])}月` : month;
}

/** A date as 2025年6月1日 (China Standard Time), for a printed map. */
export function dateLabel(now: Date): string {
  const { y, m, d } = chinaDate(now);
  return `${y}年${m}月${d}日`;
}

/** Metres per CSS pixel of a web-mercator map (512-pixel tiles, as MapLibre) at a latitude and zoom. */
export function metersPerPixel(lat: number, zoom: number): number {
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
}

export interface ScaleBar {
  meters: number;
  /** The bar's length in pixels of the map it was measured on. */
  px: number;
  label: string;
}

/** The longest round length (1, 2 or 5 × 10ⁿ metres) whose bar fits in maxPx. */
export function scaleBar(mPerPx: number, maxPx: number): ScaleBar {
  const most = mPerPx * maxPx;
  const p = 10 ** Math.floor(Math.log10(most));
  const meters = [5, 2, 1].map((k) => k * p).find((m) => m <= most) ?? p;
  const label = meters >= 1000 ? `${meters / 1000} 公里` : `${meters} 米`;
  return { meters, px: meters / mPerPx, label };
}

/** The printed scale "1:25,000": ground metres over paper millimetres, to two significant digits. */
export function scaleRatio(groundMeters: number, paperMm: number): string {
  const n = (groundMeters * 1000) / paperMm;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return `1:${(Math.round(n / p) * p).toLocaleString('en-US')}`;
}

export type PaperSize = 'A4' | 'A3';

/**
 * The map's frame on a landscape page, in millimetres: the page less 8 mm
 * margins, a 54 mm legend column and 32 mm of title and footer.
 */
export function mapFrame(size: PaperSize): { width: number; height: number } {
  const page = size === 'A3' ? { width: 420, height: 297 } : { width: 297, height: 210 };
  return { width: page.width - 16 - 54, height: page.height - 16 - 32 };
}

/** The centred crop of a w × h image to the aspect ratio of a frame (its scale unchanged). */
export function cropTo(w: number, h: number, frame: { width: number; height: number }): { x: number; y: number; w: number; h: number } {
  const ratio = frame.width / frame.height;
  if (w / h > ratio) {
    const cw = Math.round(h * ratio);
    return { x: Math.round((w - cw) / 2), y: 0, w: cw, h };
  }
  const ch = Math.round(w / ratio);
  return { x: 0, y: Math.round((h - ch) / 2), w, h: ch };
}

/** The printed map's default title, by what the user looks after. */
export function printTitle(role: string, ownGridNames: readonly string[], displayName: string): string {
  if (role === 'officer' && ownGridNames.length > 0) return `${ownGridNames.join('、')}地图`;
  if (role === 'liaison') return `${displayName} 包联组织分布图`;
  return '园区产业网格地图';
}
