// The printable map (打印地图): the current map view as an image on a
// landscape page with its title, legend, scale bar, north arrow, date and
// data source, shown as a preview over the app and printed by the browser
// (A4 or A3 through CSS @page; styles/print-map.css).
import type * as maplibregl from 'maplibre-gl';
import type { GridFeature } from './api';
import { button, el } from './dom';
import { cropTo, dateLabel, mapFrame, metersPerPixel, scaleBar, scaleRatio, type PaperSize } from './exports';
import { kindLabel, orgKinds, slaLabel } from './i18n';
import { kindColor } from './layers/organizations';
import { SLA_COLORS, gridColors } from './theme';

export interface PrintContent {
  title: string;
  grids: readonly GridFeature[];
  /** The user's own grids are marked in the legend. */
  ownGridIds: ReadonlySet<number>;
  /** Where the data comes from, and the basemap's credit if it has one. */
  source: string;
  now: Date;
}

export interface PrintSheet {
  element: HTMLElement;
  close(): void;
}

/** The map's image as drawn now; MapLibre clears its buffer after each frame, so it is read inside one. */
function captureMap(map: maplibregl.Map): Promise<HTMLCanvasElement> {
  return new Promise((resolve) => {
    map.once('render', () => {
      const src = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      copy.getContext('2d')?.drawImage(src, 0, 0);
      resolve(copy);
    });
    map.triggerRepaint();
  });
}

const NORTH_ARROW =
  '<svg viewBox="0 0 40 56" aria-hidden="true"><path d="M20 4 L31 40 L20 33 L9 40 Z" fill="#212529"/>' +
  '<path d="M20 4 L20 33 L9 40 Z" fill="#fff" stroke="#212529" stroke-width="1.5" stroke-linejoin="round"/>' +
  '<text x="20" y="54" text-anchor="middle" font-size="13" font-weight="700" fill="#212529">北</text></svg>';

function legendRow(swatchClass: string, color: string, label: string): HTMLElement {
  const row = el('li', 'print-legend-row');
  const sw = el('span', swatchClass);
  sw.style.setProperty('--swatch', color);
  row.append(sw, el('span', 'print-legend-label', label));
  return row;
}

function legend(content: PrintContent): HTMLElement {
  const box = el('aside', 'print-legend');
  box.append(el('h2', 'print-legend-title', '图例'));
  const colors = gridColors(content.grids);
  const grids = el('ul', 'print-legend-list');
  for (const g of [...content.grids].sort((a, b) => a.properties.code.localeCompare(b.properties.code))) {
    const mine = content.ownGridIds.has(g.id) ? '（本网格）' : '';
    grids.append(legendRow('print-swatch-area', colors.get(g.id) ?? '#adb5bd', g.properties.name + mine));
  }
  const kinds = el('ul', 'print-legend-list');
  for (const k of orgKinds) kinds.append(legendRow('print-swatch-point', kindColor(k), kindLabel(k)));
  const sla = el('ul', 'print-legend-list');
  for (const c of ['green', 'yellow', 'red'] as const) sla.append(legendRow('print-swatch-request', SLA_COLORS[c], `诉求${slaLabel(c)}`));
  box.append(el('h3', 'print-legend-heading', '产业网格'), grids, el('h3', 'print-legend-heading', '组织类型'), kinds,
    el('h3', 'print-legend-heading', '诉求办理'), sla);
  return box;
}

/** The @page rule of the chosen paper. A constructed style sheet, since the CSP refuses inline style elements. */
let pageSheet: CSSStyleSheet | null = null;
function setPageSize(size: PaperSize): void {
  if (!pageSheet) {
    pageSheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageSheet];
  }
  pageSheet.replaceSync(`@page { size: ${size} landscape; margin: 8mm; }`);
}

/** Opens the print preview of the map's current view. */
export async function openPrintSheet(map: maplibregl.Map, content: PrintContent, onClose: () => void): Promise<PrintSheet> {
  const shot = await captureMap(map);
  const center = map.getCenter();
  const cssWidth = map.getCanvas().clientWidth || shot.width;
  const devicePx = shot.width / cssWidth;
  const mPerPx = metersPerPixel(center.lat, map.getZoom());
  const bearing = map.getBearing();

  const sheet = el('div', 'print-sheet');
  sheet.id = 'print-sheet';
  sheet.setAttribute('role', 'dialog');
  sheet.setAttribute('aria-label', '打印地图');

  // The toolbar is on screen only.
  const bar = el('div', 'print-toolbar');
  const titleInput = el('input', 'print-title-input');
  titleInput.type = 'text';
  titleInput.value = content.title;
  titleInput.setAttribute('aria-label', '地图标题');
  const paper = el('select', 'print-paper');
  paper.setAttribute('aria-label', '纸张');
  for (const [value, label] of [['A4', 'A4 横向'], ['A3', 'A3 横向']] as const) {
    const o = el('option', undefined, label);
    o.value = value;
    paper.append(o);
  }
  const print = button('print-go', '打印', () => window.print());
  const close = button('print-close', '关闭', () => done());
  bar.append(el('span', 'print-toolbar-label', '标题'), titleInput, el('span', 'print-toolbar-label', '纸张'), paper, print, close);

  const page = el('div', 'print-page');
  const title = el('h1', 'print-title', content.title);
  titleInput.addEventListener('input', () => (title.textContent = titleInput.value));
  const header = el('header', 'print-header');
  const subtitle = el('p', 'print-subtitle');
  header.append(title, subtitle);

  const frame = el('figure', 'print-map');
  const img = el('img', 'print-map-image');
  img.alt = '地图';
  const north = el('div', 'print-north');
  north.innerHTML = NORTH_ARROW; // a constant, no user text
  north.style.transform = `rotate(${-bearing}deg)`;
  north.title = '指北针';
  const scale = el('div', 'print-scale');
  const scaleLine = el('span', 'print-scale-bar');
  const scaleLabel = el('span', 'print-scale-label');
  scale.append(scaleLine, scaleLabel);
  frame.append(img, north, scale);

  const body = el('div', 'print-body');
  body.append(frame, legend(content));
  const footer = el('footer', 'print-footer');
  footer.append(
    el('span', 'print-date', `制图日期：${dateLabel(content.now)}`),
    el('span', 'print-source', `数据来源：${content.source}`),
    el('span', 'print-crs', '坐标系：WGS84'),
  );
  page.append(header, body, footer);
  sheet.append(bar, page);

  /** Crops the shot to the paper's map frame and sizes the scale bar to it. */
  function layout(size: PaperSize): void {
    const f = mapFrame(size);
    sheet.dataset.paper = size;
    sheet.style.setProperty('--map-w', `${f.width}mm`);
    sheet.style.setProperty('--map-h', `${f.height}mm`);
    sheet.style.setProperty('--map-ratio', `${f.width} / ${f.height}`);
    const crop = cropTo(shot.width, shot.height, f);
    const out = document.createElement('canvas');
    out.width = crop.w;
    out.height = crop.h;
    out.getContext('2d')?.drawImage(shot, crop.x, crop.y, crop.w, crop.h, 0, 0, crop.w, crop.h);
    try {
      img.src = out.toDataURL('image/png');
    } catch {
      // A basemap served without CORS taints the canvas: print without the picture rather than fail.
      img.removeAttribute('src');
      img.alt = '底图不允许导出图像，请改用浏览器截图';
    }
    // The bar's share of the image width stays right at any printed size.
    const bar = scaleBar(mPerPx, (crop.w / devicePx) * 0.22);
    scaleLine.style.width = `${((bar.px * devicePx) / crop.w) * 100}%`;
    scaleLabel.textContent = bar.label;
    scale.dataset.meters = String(bar.meters);
    subtitle.textContent = `${size} 横向 · 比例尺 约 ${scaleRatio((crop.w / devicePx) * mPerPx, f.width)}`;
    setPageSize(size);
  }
  paper.addEventListener('change', () => layout(paper.value as PaperSize));
  layout('A4');

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') done();
  };
  document.addEventListener('keydown', onKey);
  document.body.append(sheet);
  document.body.dataset.printing = 'true';
  print.focus();

  let closed = false;
  function done(): void {
    if (closed) return;
    closed = true;
    document.removeEventListener('keydown', onKey);
    sheet.remove();
    delete document.body.dataset.printing;
    onClose();
  }
  return { element: sheet, close: done };
}
