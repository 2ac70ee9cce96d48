// A rebalance plan's moves on the map: for each moved organization, the
// pair the plan ends (old base → organization) as a grey dashed line and
// the pair it makes (organization → new base) as a solid violet one, with
// arrows pointing from old to new, and a ring on the organization.
import type { ExpressionSpecification, LineLayerSpecification, Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, Point } from 'geojson';
import type { MoveFeature } from '../api';
import { moveOrgPoint, moveSegments } from '../rebalance';
import { addEmptySources, setFeatures, setVisible } from './sources';

export const MOVE_SOURCE = 'moves';
export const MOVE_ORG_SOURCE = 'move-orgs';
export const MOVE_FROM_LAYER = 'moves-from';
export const MOVE_TO_LAYER = 'moves-to';
export const MOVE_ARROW_LAYER = 'moves-arrows';
export const MOVE_ORG_LAYER = 'moves-orgs';
const ARROW_IMAGE = 'move-arrow';

export const MOVE_COLORS = { from: '#868e96', to: '#7048e8' } as const;

const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];

/** A small arrow pointing right (east), drawn once; lines turn it along themselves. */
function arrowImage(): ImageData | null {
  const size = 16;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#ffffff';
  ctx.beginPath();
  ctx.moveTo(3, 3);
  ctx.lineTo(13, 8);
  ctx.lineTo(3, 13);
  ctx.lineTo(6, 8);
  ctx.closePath();
  ctx.fill();
  return ctx.getImageData(0, 0, size, size);
}

/** Adds the (empty, hidden) move layers below `beforeId`. */
export function addMoveLayers(map: MapLibreMap, beforeId?: string): void {
  addEmptySources(map, [MOVE_SOURCE, MOVE_ORG_SOURCE], 'org_id');
  const arrow = arrowImage();
  if (arrow && !map.hasImage(ARROW_IMAGE)) map.addImage(ARROW_IMAGE, arrow, { sdf: true });
  // The segments of one role ('from' or 'to') as a line layer.
  const roleLine = (id: string, role: keyof typeof MOVE_COLORS, paint: LineLayerSpecification['paint']): LineLayerSpecification => ({
    id,
    type: 'line',
    source: MOVE_SOURCE,
    filter: ['==', ['get', 'role'], role],
    layout: { visibility: 'none', 'line-cap': 'round' },
    paint: { 'line-color': MOVE_COLORS[role], 'line-opacity': 0.9, ...paint },
  });
  map.addLayer(roleLine(MOVE_FROM_LAYER, 'from', { 'line-width': ['case', selected, 3.5, 2], 'line-dasharray': [2, 1.5] }), beforeId);
  map.addLayer(roleLine(MOVE_TO_LAYER, 'to', { 'line-width': ['case', selected, 4.5, 2.5] }), beforeId);
  if (arrow) {
    map.addLayer(
      {
        id: MOVE_ARROW_LAYER,
        type: 'symbol',
        source: MOVE_SOURCE,
        layout: {
          visibility: 'none',
          'symbol-placement': 'line',
          'symbol-spacing': 70,
          'icon-image': ARROW_IMAGE,
          'icon-size': 0.8,
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
          'icon-rotation-alignment': 'map',
        },
        paint: { 'icon-color': ['match', ['get', 'role'], 'to', MOVE_COLORS.to, MOVE_COLORS.from] },
      },
      beforeId,
    );
  }
  map.addLayer(
    {
      id: MOVE_ORG_LAYER,
      type: 'circle',
      source: MOVE_ORG_SOURCE,
      layout: { visibility: 'none' },
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-radius': ['case', selected, 12, 8],
        'circle-stroke-color': MOVE_COLORS.to,
        'circle-stroke-width': ['case', selected, 3, 2],
      },
    },
    beforeId,
  );
}

const MOVE_LAYERS = [MOVE_FROM_LAYER, MOVE_TO_LAYER, MOVE_ARROW_LAYER, MOVE_ORG_LAYER];

/** Draws a plan's moves (none: an empty list) and shows or hides them. */
export function setMoves(map: MapLibreMap, moves: readonly MoveFeature[], visible: boolean): void {
  setFeatures(map, MOVE_SOURCE, moves.flatMap(moveSegments));
  const orgs: Feature<Point, { org_id: number }>[] = [];
  for (const m of moves) {
    const at = moveOrgPoint(m);
    if (at) orgs.push({ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { org_id: m.properties.org_id } });
  }
  setFeatures(map, MOVE_ORG_SOURCE, orgs);
  setMovesVisible(map, visible);
}

export function setMovesVisible(map: MapLibreMap, visible: boolean): void {
  // The arrow layer is missing where no canvas could draw its image.
  setVisible(map, MOVE_LAYERS.filter((id) => map.getLayer(id)), visible);
}

/** Marks one moved organization's lines and ring (null: none). */
export function setSelectedMove(map: MapLibreMap, orgId: number | null, previous: number | null): void {
  for (const source of [MOVE_SOURCE, MOVE_ORG_SOURCE]) {
    if (!map.getSource(source)) continue;
    if (previous !== null) map.setFeatureState({ source, id: previous }, { selected: false });
    if (orgId !== null) map.setFeatureState({ source, id: orgId }, { selected: true });
  }
}
