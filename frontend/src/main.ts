// Bootstrap: load config, grids and organizations, draw them, wire the UI.
import * as maplibregl from 'maplibre-gl';
import './style.css';
import { Api, type AppConfig, type GridFeature, type OrgFeature } from './api';
import { addBasemap } from './basemap';
import { bboxOf, viewExtent } from './geometry';
import { countsLine, errorMessage, kindLabel, orgKinds, text } from './i18n';
import {
  GRID_FILL_LAYER,
  GRID_LABEL_LAYER,
  addGridLayers,
  gridLabelFeatures,
  gridPopupRows,
  setGridHover,
} from './layers/grids';
import { ORG_LAYER, addOrgLayers, countByKind, orgPopup, setVisibleKinds } from './layers/organizations';
import { markSelectedGrid, renderLegend } from './legend';
import { createMap, fitToBBox } from './map';
import { renderPopup, type PopupContent } from './popup';
import { gridColors } from './theme';

/**
 * Read-only state for the browser tests (e2e/map.e2e.mjs) and for anyone
 * poking at the page from the console.
 */
export interface GridgisTestHook {
  ready: boolean;
  error: string | null;
  gridCount: number;
  orgCount: number;
  gridNames: string[];
  basemap: boolean;
  /** Grid names whose labels MapLibre has placed on screen. */
  renderedLabels(): string[];
  /** Page coordinates of an organization drawn well inside the map, or null. */
  orgScreenPoint(): { x: number; y: number } | null;
}

declare global {
  interface Window {
    __gridgis: GridgisTestHook;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id} in index.html`);
  return node as T;
}

const statusEl = byId<HTMLElement>('status');
const legendEl = byId<HTMLElement>('legend');
const mapEl = byId<HTMLElement>('map');
const panelEl = byId<HTMLElement>('panel');
const panelToggle = byId<HTMLButtonElement>('panel-toggle');

// On narrow screens the panel is a bottom sheet that this button opens.
function setPanelOpen(open: boolean): void {
  panelEl.classList.toggle('open', open);
  panelToggle.setAttribute('aria-expanded', String(open));
  panelToggle.textContent = open ? text.hidePanel : text.showPanel;
}
panelToggle.addEventListener('click', () => setPanelOpen(!panelEl.classList.contains('open')));

function setStatus(message: string, state: 'loading' | 'ok' | 'error', tooltip = ''): void {
  statusEl.textContent = message;
  statusEl.dataset.state = state;
  statusEl.title = tooltip;
  if (state === 'error') {
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'status-retry';
    retry.textContent = text.retry;
    retry.addEventListener('click', () => window.location.reload());
    statusEl.append(retry);
  }
}

const { map, loaded } = createMap(mapEl);
const popup = new maplibregl.Popup({ maxWidth: '340px', offset: 8, className: 'gridgis-popup' });

const hook: GridgisTestHook = {
  ready: false,
  error: null,
  gridCount: 0,
  orgCount: 0,
  gridNames: [],
  basemap: false,
  renderedLabels: () => [
    ...new Set(map.queryRenderedFeatures({ layers: [GRID_LABEL_LAYER] }).map((f) => String(f.properties.name))),
  ],
  orgScreenPoint: () => {
    const rect = mapEl.getBoundingClientRect();
    const margin = 60;
    const centre = { x: rect.width / 2, y: rect.height / 2 };
    let best: { x: number; y: number; d: number } | null = null;
    for (const f of map.queryRenderedFeatures({ layers: [ORG_LAYER] })) {
      if (f.geometry.type !== 'Point') continue;
      const p = map.project(f.geometry.coordinates as [number, number]);
      if (p.x < margin || p.y < margin || p.x > rect.width - margin || p.y > rect.height - margin) continue;
      const d = Math.hypot(p.x - centre.x, p.y - centre.y);
      if (!best || d < best.d) best = { x: p.x, y: p.y, d };
    }
    return best ? { x: rect.left + best.x, y: rect.top + best.y } : null;
  },
};
window.__gridgis = hook;

function showPopup(at: maplibregl.LngLatLike, content: PopupContent): void {
  popup.setLngLat(at).setDOMContent(renderPopup(content)).addTo(map);
}

function gridPopupContent(grid: GridFeature): PopupContent {
  return { title: grid.properties.name, rows: gridPopupRows(grid.properties) };
}

function wireInteractions(grids: readonly GridFeature[], orgs: readonly OrgFeature[]): void {
  const gridById = new Map(grids.map((g) => [g.id, g]));
  const orgById = new Map(orgs.map((o) => [o.id, o]));
  const labelAt = new Map(gridLabelFeatures(grids).map((l) => [l.properties.grid_id, l.geometry.coordinates]));
  let hovered: number | null = null;
  const hover = (id: number | null) => {
    if (id === hovered) return;
    setGridHover(map, id, hovered);
    hovered = id;
  };

  map.on('click', (e) => {
    // A few pixels of slack so small dots are easy to hit, also by finger.
    const r = 6;
    const box: [maplibregl.PointLike, maplibregl.PointLike] = [
      [e.point.x - r, e.point.y - r],
      [e.point.x + r, e.point.y + r],
    ];
    const orgHit = map.queryRenderedFeatures(box, { layers: [ORG_LAYER] })[0];
    const org = orgHit ? orgById.get(Number(orgHit.id)) : undefined;
    if (org) {
      showPopup(org.geometry.coordinates as [number, number], orgPopup(org.properties, gridById.get(org.properties.grid_id)?.properties.name));
      return;
    }
    const gridHit = map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0];
    const grid = gridHit ? gridById.get(Number(gridHit.id)) : undefined;
    if (grid) {
      showPopup(e.lngLat, gridPopupContent(grid));
      markSelectedGrid(legendEl, grid.id);
    } else {
      popup.remove();
      markSelectedGrid(legendEl, null);
    }
  });

  map.on('mousemove', (e) => {
    const overOrg = map.queryRenderedFeatures(e.point, { layers: [ORG_LAYER] }).length > 0;
    const gridHit = map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0];
    map.getCanvas().style.cursor = overOrg || gridHit ? 'pointer' : '';
    hover(gridHit ? Number(gridHit.id) : null);
  });
  map.getCanvas().addEventListener('mouseleave', () => hover(null));

  renderLegend(
    legendEl,
    { grids, colors: gridColors(grids), kindCounts: countByKind(orgs) },
    {
      onGridSelect: (id) => {
        const grid = gridById.get(id);
        if (!grid) return;
        setPanelOpen(false); // the bottom sheet would hide the grid on a phone
        const bbox = bboxOf([grid.geometry]);
        if (bbox) fitToBBox(map, bbox, true);
        const at = labelAt.get(id);
        if (at) showPopup(at as [number, number], gridPopupContent(grid));
        markSelectedGrid(legendEl, id);
      },
      onGridHover: hover,
      onKindsChange: (visible) => setVisibleKinds(map, visible, orgKinds),
    },
  );
}

async function loadConfig(api: Api, signal: AbortSignal): Promise<AppConfig> {
  try {
    return await api.config(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    // The map works without a basemap; say why there is none and go on.
    console.warn('gridgis: /api/v1/config failed, using a plain background', err);
    return { basemap: '' };
  }
}

// Cancels the remaining requests once one of them has failed.
const loading = new AbortController();

async function start(): Promise<void> {
  setStatus(text.loading, 'loading');
  const api = new Api();
  const { signal } = loading;
  const [config, grids, orgs] = await Promise.all([
    loadConfig(api, signal),
    api.grids(signal),
    api.organizations({ signal }, (n) => {
      if (!signal.aborted) setStatus(text.loadingOrgs(n), 'loading');
    }),
    loaded,
  ]);

  hook.basemap = addBasemap(map, config.basemap);
  addGridLayers(map, grids, gridColors(grids));
  addOrgLayers(map, orgs, GRID_LABEL_LAYER);
  const gridBox = bboxOf(grids.map((g) => g.geometry));
  const orgBox = bboxOf(orgs.map((o) => o.geometry));
  const extent = gridBox ? viewExtent(gridBox, orgBox) : orgBox;
  if (extent) fitToBBox(map, extent);
  wireInteractions(grids, orgs);

  const kinds = countByKind(orgs);
  const breakdown = orgKinds.map((k) => `${kindLabel(k)} ${kinds.get(k) ?? 0}`).join(' / ');
  setStatus(countsLine(grids.length, orgs.length), 'ok', breakdown);
  hook.gridCount = grids.length;
  hook.orgCount = orgs.length;
  hook.gridNames = grids.map((g) => g.properties.name);

  // Ready once the data has been drawn and the labels placed.
  await new Promise<void>((resolve) => map.once('idle', () => resolve()));
  hook.ready = true;
}

start().catch((err: unknown) => {
  loading.abort();
  const message = errorMessage(err);
  setStatus(message, 'error', err instanceof Error ? err.message : String(err));
  hook.error = message;
  const empty = document.createElement('p');
  empty.className = 'legend-empty';
  empty.textContent = text.noMapData;
  legendEl.replaceChildren(empty);
  console.error('gridgis: loading the map failed', err);
});
