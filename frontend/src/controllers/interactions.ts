// Clicks and hovering on the map: a request badge opens the request (a
// chooser when several are stacked), an organization dot its popup, a grid
// its popup; grids light up under the pointer.
import type * as maplibregl from 'maplibre-gl';
import type { GridFeature } from '../api';
import { el } from '../dom';
import { statusLabel, text } from '../i18n';
import { GAP_LAYER } from '../layers/gaps';
import { GRID_FILL_LAYER, gridPopupRows, setGridHover } from '../layers/grids';
import { fromMap } from '../layers/sources';
import { ORG_LAYER } from '../layers/organizations';
import { CLUSTER_LAYER, CLUSTER_SOURCE } from '../layers/orgtiles';
import { REQUEST_LAYER } from '../layers/requests';
import type { Controller, MapShell } from '../mapshell/mapshell';
import type { PopupContent } from '../popup';

/** Pixels of slack around a click for request badges (organization dots get more). */
export const REQUEST_SLACK = 3;

export function gridPopupContent(grid: GridFeature): PopupContent {
  return { title: grid.properties.name, rows: gridPopupRows(grid.properties) };
}

function clickBox(p: maplibregl.Point, r = 6): [maplibregl.PointLike, maplibregl.PointLike] {
  // A few pixels of slack so small dots are easy to hit, also by finger.
  return [
    [p.x - r, p.y - r],
    [p.x + r, p.y + r],
  ];
}

export function interactionsController(): Controller {
  let shell: MapShell;
  let hovered: number | null = null;
  const hover = (id: number | null) => {
    if (id === hovered) return;
    setGridHover(shell.map, id, hovered);
    hovered = id;
  };

  function onClick(e: maplibregl.MapMouseEvent): void {
    const { map, store, act } = shell;
    const { requestById, orgById, gridById, gaps, picking } = store.get();
    if (picking) return; // the click picks a place (controllers/orgedit.ts)
    const box = clickBox(e.point);
    // Less slack for the badges: a click on the dot below one is for the organization.
    const requestIds = [...new Set(map.queryRenderedFeatures(clickBox(e.point, REQUEST_SLACK), { layers: [REQUEST_LAYER] }).map((f) => Number(f.id)))].filter((id) =>
      requestById.has(id),
    );
    if (requestIds.length === 1) {
      act.openRequest(requestIds[0]);
      return;
    }
    if (requestIds.length > 1) {
      shell.popup.setLngLat(e.lngLat).setDOMContent(requestChooser(shell, requestIds)).addTo(map);
      return;
    }
    if (map.getLayer(CLUSTER_LAYER)) {
      const cell = map.queryRenderedFeatures(box, { layers: [CLUSTER_LAYER] })[0];
      if (cell && openCluster(shell, cell)) return;
    }
    const orgHit = map.queryRenderedFeatures(box, { layers: [GAP_LAYER, ORG_LAYER] })[0];
    const hitId = orgHit ? Number(orgHit.id) : NaN;
    const org = orgHit ? (orgById.get(hitId) ?? gaps?.find((o) => o.id === hitId)) : undefined;
    if (org) {
      shell.showPopup(org.geometry.coordinates as [number, number], act.orgPopup(org));
      return;
    }
    const gridHit = map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0];
    const grid = gridHit ? gridById.get(Number(gridHit.id)) : undefined;
    if (grid) {
      shell.showPopup(fromMap(map, e.lngLat), gridPopupContent(grid));
      act.selectGrid(grid.id);
    } else {
      shell.popup.remove();
      act.selectGrid(null);
    }
  }

  function onMove(e: maplibregl.MapMouseEvent): void {
    const { map } = shell;
    const layers = map.getLayer(CLUSTER_LAYER) ? [REQUEST_LAYER, ORG_LAYER, CLUSTER_LAYER] : [REQUEST_LAYER, ORG_LAYER];
    const overPoint = map.queryRenderedFeatures(clickBox(e.point, 3), { layers }).length > 0;
    const gridHit = map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0];
    map.getCanvas().style.cursor = overPoint || gridHit ? 'pointer' : '';
    hover(gridHit ? Number(gridHit.id) : null);
  }

  return {
    mount(s) {
      shell = s;
      s.provide('hoverGrid', hover);
      // Everything was redrawn: no grid is lit any more.
      s.on('redrawn', () => (hovered = null));
    },
    drawn() {
      shell.map.on('click', onClick);
      shell.map.on('mousemove', onMove);
      shell.map.getCanvas().addEventListener('mouseleave', () => hover(null));
    },
  };
}

/**
 * A tap on a cluster of a large scope (layers/orgtiles.ts) zooms in until
 * it splits; on a cell of one organization it opens that organization's
 * popup. The feature is where the map draws it: no datum shift here.
 */
function openCluster(shell: MapShell, f: maplibregl.MapGeoJSONFeature): boolean {
  const { map } = shell;
  if (f.geometry.type !== 'Point') return false;
  const at = f.geometry.coordinates as [number, number];
  const p = f.properties;
  if (p.cluster) {
    const source = map.getSource(CLUSTER_SOURCE) as maplibregl.GeoJSONSource;
    void source.getClusterExpansionZoom(Number(p.cluster_id)).then(
      // Where it splits, but no more than three zooms at a tap: finer tiles split it further.
      (z) => map.easeTo({ center: at, zoom: Math.min(Math.max(z, map.getZoom() + 1), map.getZoom() + 3), duration: 500 }),
      () => map.easeTo({ center: at, zoom: map.getZoom() + 2, duration: 500 }),
    );
    return true;
  }
  if (Number(p.count) > 1 || typeof p.id !== 'number') {
    map.easeTo({ center: at, zoom: map.getZoom() + 2, duration: 500 });
    return true;
  }
  shell.act.showOrg(p.id);
  return true;
}

/** A popup listing the requests under one click, to choose from. */
function requestChooser(shell: MapShell, ids: number[]): HTMLElement {
  const { requestById } = shell.store.get();
  const root = el('div', 'popup');
  const head = el('div', 'popup-head');
  head.append(el('h3', 'popup-title', text.request.pick(ids.length)));
  const list = el('ul', 'pick-list');
  for (const id of ids) {
    const r = requestById.get(id);
    if (!r) continue;
    const b = el('button', 'pick-item');
    b.type = 'button';
    b.dataset.requestId = String(id);
    b.dataset.sla = r.properties.sla;
    b.append(el('span', 'todo-dot'), el('span', 'pick-title', r.properties.title), el('span', 'pick-status', statusLabel(r.properties.status)));
    b.addEventListener('click', () => shell.act.openRequest(id));
    const li = el('li');
    li.append(b);
    list.append(li);
  }
  root.append(head, list);
  return root;
}
