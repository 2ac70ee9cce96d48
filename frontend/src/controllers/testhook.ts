// The map's part of the browser tests' hook (window.__gridgis): where
// things are drawn on screen, read from the map and the store.
import type * as maplibregl from 'maplibre-gl';
import type { OrgFeature, RequestFeature } from '../api';
import { isOverdue } from '../contacts';
import { hook } from '../hook';
import { GRID_LABEL_LAYER } from '../layers/grids';
import { ORG_LAYER } from '../layers/organizations';
import { CLUSTER_LAYER } from '../layers/orgtiles';
import { BADGE_OFFSET, REQUEST_LAYER } from '../layers/requests';
import { toMap } from '../layers/sources';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { REQUEST_SLACK } from './interactions';

export function testHookController(): Controller {
  return {
    mount({ map, store }: MapShell) {
      hook.renderedLabels = () => [
        ...new Set(map.queryRenderedFeatures({ layers: [GRID_LABEL_LAYER] }).map((f) => String(f.properties.name))),
      ];
      hook.orgScreenPoint = (gridId) => orgNearCentre(map, gridId);
      hook.requestIds = () => store.get().requests.map((r) => r.id);
      hook.requestScreenPoint = (id) => requestScreenPoint(map, store.get().requestById.get(id));
      hook.overdueOrgIds = (kind) =>
        store
          .get()
          .orgs.filter((o) =>
            kind === 'visit' ? o.properties.visit_overdue : kind === 'contact' ? o.properties.contact_overdue : isOverdue(o.properties),
          )
          .map((o) => o.id);
      hook.org = (id) => {
        const p = store.get().orgById.get(id)?.properties;
        return p ? { name: p.name, liaison_id: p.liaison_id, contact_overdue: Boolean(p.contact_overdue), visit_overdue: Boolean(p.visit_overdue) } : null;
      };
      hook.orgPoint = (id) => orgPoint(map, store.get().orgById.get(id));
      hook.clusterPoints = () => clusterPoints(map);
      hook.loneCellPoint = () => loneCellPoint(map);
      hook.mapView = () => {
        const c = map.getCenter();
        return { center: [c.lng, c.lat], zoom: map.getZoom() };
      };
      hook.mapJumpTo = (v) => map.jumpTo(v);
      hook.heldOrgIds = () => store.get().orgs.map((o) => o.id);
      hook.mapZoom = () => map.getZoom();
      hook.mapIdle = () => !map.isMoving() && map.loaded();
    },
  };
}

/** Page coordinates of the organization drawn nearest the map's centre, away from its edges. */
function orgNearCentre(map: maplibregl.Map, gridId?: number): { x: number; y: number; id: number } | null {
  const rect = map.getContainer().getBoundingClientRect();
  const margin = 60;
  const centre = { x: rect.width / 2, y: rect.height / 2 };
  let best: { x: number; y: number; d: number; id: number } | null = null;
  for (const f of map.queryRenderedFeatures({ layers: [ORG_LAYER] })) {
    if (f.geometry.type !== 'Point') continue;
    if (gridId !== undefined && f.properties.grid_id !== gridId) continue;
    const p = map.project(f.geometry.coordinates as [number, number]);
    if (p.x < margin || p.y < margin || p.x > rect.width - margin || p.y > rect.height - margin) continue;
    // Not one under a request badge: a click there opens the request.
    const near: [maplibregl.PointLike, maplibregl.PointLike] = [
      [p.x - REQUEST_SLACK, p.y - REQUEST_SLACK],
      [p.x + REQUEST_SLACK, p.y + REQUEST_SLACK],
    ];
    if (map.queryRenderedFeatures(near, { layers: [REQUEST_LAYER] }).length > 0) continue;
    const d = Math.hypot(p.x - centre.x, p.y - centre.y);
    if (!best || d < best.d) best = { x: p.x, y: p.y, d, id: Number(f.id) };
  }
  return best ? { x: rect.left + best.x, y: rect.top + best.y, id: best.id } : null;
}

/** A large scope's clusters drawn well inside the map (page coordinates, organizations), the largest first. */
function clusterPoints(map: maplibregl.Map): { x: number; y: number; count: number }[] {
  if (!map.getLayer(CLUSTER_LAYER)) return [];
  const rect = map.getContainer().getBoundingClientRect();
  const margin = 50;
  const out: { x: number; y: number; count: number }[] = [];
  for (const f of map.queryRenderedFeatures({ layers: [CLUSTER_LAYER] })) {
    if (f.geometry.type !== 'Point') continue;
    const p = map.project(f.geometry.coordinates as [number, number]);
    if (p.x < margin || p.y < margin || p.x > rect.width - margin || p.y > rect.height - margin) continue;
    const count = Number(f.properties.cluster ? f.properties.orgs : f.properties.count);
    out.push({ x: rect.left + p.x, y: rect.top + p.y, count });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** A large scope's cell of one organization (not a cluster) well inside the map and not under a request badge, nearest the centre. */
function loneCellPoint(map: maplibregl.Map): { x: number; y: number; id: number } | null {
  if (!map.getLayer(CLUSTER_LAYER)) return null;
  const rect = map.getContainer().getBoundingClientRect();
  const margin = 60;
  let best: { x: number; y: number; d: number; id: number } | null = null;
  for (const f of map.queryRenderedFeatures({ layers: [CLUSTER_LAYER] })) {
    if (f.geometry.type !== 'Point' || f.properties.cluster || Number(f.properties.count) !== 1 || typeof f.properties.id !== 'number') continue;
    const p = map.project(f.geometry.coordinates as [number, number]);
    if (p.x < margin || p.y < margin || p.x > rect.width - margin || p.y > rect.height - margin) continue;
    const near: [maplibregl.PointLike, maplibregl.PointLike] = [
      [p.x - 8, p.y - 8],
      [p.x + 8, p.y + 8],
    ];
    if (map.queryRenderedFeatures(near, { layers: [REQUEST_LAYER] }).length > 0) continue;
    const d = Math.hypot(p.x - rect.width / 2, p.y - rect.height / 2);
    if (!best || d < best.d) best = { x: p.x, y: p.y, d, id: f.properties.id };
  }
  return best ? { x: rect.left + best.x, y: rect.top + best.y, id: best.id } : null;
}

/** Page coordinates of a request's badge, if it is drawn inside the map. */
function requestScreenPoint(map: maplibregl.Map, r: RequestFeature | undefined): { x: number; y: number } | null {
  if (!r) return null;
  const rect = map.getContainer().getBoundingClientRect();
  const p = map.project(toMap(map, r.geometry.coordinates));
  const y = p.y + BADGE_OFFSET[1]; // the badge sits above its organization's point
  if (p.x < 10 || y < 10 || p.x > rect.width - 10 || y > rect.height - 10) return null;
  const drawn = map.queryRenderedFeatures([p.x, y], { layers: [REQUEST_LAYER] }).some((f) => Number(f.id) === r.id);
  return drawn ? { x: rect.left + p.x, y: rect.top + y } : null;
}

/** Page coordinates of an organization if it is drawn inside the map. */
function orgPoint(map: maplibregl.Map, org: OrgFeature | undefined): { x: number; y: number } | null {
  if (!org) return null;
  const rect = map.getContainer().getBoundingClientRect();
  const p = map.project(toMap(map, org.geometry.coordinates));
  if (p.x < 10 || p.y < 10 || p.x > rect.width - 10 || p.y > rect.height - 10) return null;
  return { x: rect.left + p.x, y: rect.top + p.y };
}
