// The map screen for one signed-in user: load config, grids and the
// organizations the server lets this user see, draw them, fit the view to
// the user's scope and wire the interactions. Torn down on sign-out, so the
// next user starts from a fresh map.
import * as maplibregl from 'maplibre-gl';
import type { Api, AppConfig, GridFeature, OrgFeature } from './api';
import { addBasemap } from './basemap';
import { bboxOf } from './geometry';
import { emptyMapState, hook } from './hook';
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
import { gridEmphasis, mapScope, scopeNote } from './scope';
import type { User } from './session';
import { resetShell, setPanelOpen, setStatus, shell } from './shell';
import { gridColors } from './theme';

export interface MapScreen {
  /** Cancels loading, removes the map and clears the panel. */
  destroy(): void;
}

export function openMap(user: User, api: Api): MapScreen {
  resetShell();
  Object.assign(hook, emptyMapState());

  const { map, loaded } = createMap(shell.map);
  const popup = new maplibregl.Popup({ maxWidth: '340px', offset: 8, className: 'gridgis-popup' });
  // Cancels the remaining requests once one has failed or the user has left.
  const loading = new AbortController();

  hook.renderedLabels = () => [
    ...new Set(map.queryRenderedFeatures({ layers: [GRID_LABEL_LAYER] }).map((f) => String(f.properties.name))),
  ];
  hook.orgScreenPoint = () => orgNearCentre(map);

  const showPopup = (at: maplibregl.LngLatLike, content: PopupContent) => {
    popup.setLngLat(at).setDOMContent(renderPopup(content)).addTo(map);
  };

  function wireInteractions(grids: readonly GridFeature[], orgs: readonly OrgFeature[], ownGridIds: ReadonlySet<number>, note: string): void {
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
        markSelectedGrid(shell.legend, grid.id);
      } else {
        popup.remove();
        markSelectedGrid(shell.legend, null);
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
      shell.legend,
      { grids, colors: gridColors(grids), kindCounts: countByKind(orgs), ownGridIds, scopeNote: note },
      {
        onGridSelect: (id) => {
          const grid = gridById.get(id);
          if (!grid) return;
          setPanelOpen(false); // the bottom sheet would hide the grid on a phone
          const bbox = bboxOf([grid.geometry]);
          if (bbox) fitToBBox(map, bbox, true);
          const at = labelAt.get(id);
          if (at) showPopup(at as [number, number], gridPopupContent(grid));
          markSelectedGrid(shell.legend, id);
        },
        onGridHover: hover,
        onKindsChange: (visible) => setVisibleKinds(map, visible, orgKinds),
      },
    );
  }

  async function load(): Promise<void> {
    const { signal } = loading;
    const [config, grids, orgs] = await Promise.all([
      loadConfig(api, signal),
      api.grids(signal),
      api.organizations({ signal }, (n) => {
        if (!signal.aborted) setStatus(text.loadingOrgs(n), 'loading');
      }),
      loaded,
    ]);
    if (signal.aborted) return;

    const scope = mapScope(user, grids, orgs);
    const emphasisOf = (id: number) => gridEmphasis(scope, id);
    hook.basemap = addBasemap(map, config.basemap);
    addGridLayers(map, grids, gridColors(grids), emphasisOf);
    addOrgLayers(map, orgs, GRID_LABEL_LAYER);
    if (scope.focus) fitToBBox(map, scope.focus);
    wireInteractions(grids, orgs, scope.ownGridIds, scopeNote(scope, user, grids, orgs.length));

    const kinds = countByKind(orgs);
    const breakdown = orgKinds.map((k) => `${kindLabel(k)} ${kinds.get(k) ?? 0}`).join(' / ');
    setStatus(countsLine(grids.length, orgs.length), 'ok', breakdown);
    hook.gridCount = grids.length;
    hook.orgCount = orgs.length;
    hook.gridNames = grids.map((g) => g.properties.name);
    hook.grids = grids.map((g) => ({
      id: g.id,
      code: g.properties.code,
      name: g.properties.name,
      org_count: g.properties.org_count,
      mine: scope.ownGridIds.has(g.id),
    }));
    hook.orgGridIds = () => orgs.map((o) => o.properties.grid_id);

    // Ready once the data has been drawn and the labels placed.
    await new Promise<void>((resolve) => map.once('idle', () => resolve()));
    if (!signal.aborted) hook.ready = true;
  }

  load().catch((err: unknown) => {
    // Signing out (or an expired session) aborts the load: not an error.
    if (loading.signal.aborted) return;
    loading.abort();
    const message = errorMessage(err);
    setStatus(message, 'error', err instanceof Error ? err.message : String(err));
    hook.error = message;
    const empty = document.createElement('p');
    empty.className = 'legend-empty';
    empty.textContent = text.noMapData;
    shell.legend.replaceChildren(empty);
    console.error('gridgis: loading the map failed', err);
  });

  return {
    destroy() {
      loading.abort();
      popup.remove();
      map.remove();
      Object.assign(hook, emptyMapState());
      resetShell();
    },
  };
}

function gridPopupContent(grid: GridFeature): PopupContent {
  return { title: grid.properties.name, rows: gridPopupRows(grid.properties) };
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

/** Page coordinates of the organization drawn nearest the map's centre, away from its edges. */
function orgNearCentre(map: maplibregl.Map): { x: number; y: number } | null {
  const rect = map.getContainer().getBoundingClientRect();
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
}
