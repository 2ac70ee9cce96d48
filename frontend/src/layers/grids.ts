// The industry grid layers: translucent fills, outlines and name labels.
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, FeatureCollection, Point } from 'geojson';
import type { GridFeature, GridProperties } from '../api';
import { labelPoint } from '../geometry';
import { text } from '../i18n';
import type { GridEmphasis } from '../scope';
import { LABEL_FONTS, LABEL_FONTS_BOLD } from '../theme';
import type { PopupRow } from '../popup';

export const GRID_SOURCE = 'grids';
export const GRID_LABEL_SOURCE = 'grid-labels';
export const GRID_FILL_LAYER = 'grids-fill';
export const GRID_OUTLINE_LAYER = 'grids-outline';
export const GRID_LABEL_LAYER = 'grid-labels';

export interface GridLabelProperties {
  grid_id: number;
  name: string;
  org_count: number;
  emphasis: GridEmphasis;
}

/** How each grid is drawn; without a scope every grid is "normal". */
export type EmphasisOf = (gridId: number) => GridEmphasis;
const allNormal: EmphasisOf = () => 'normal';

/** One label point per grid, on its largest part. */
export function gridLabelFeatures(grids: readonly GridFeature[], emphasisOf: EmphasisOf = allNormal): Feature<Point, GridLabelProperties>[] {
  const labels: Feature<Point, GridLabelProperties>[] = [];
  for (const grid of grids) {
    const at = grid.geometry ? labelPoint(grid.geometry.coordinates) : null;
    if (!at) continue;
    labels.push({
      type: 'Feature',
      id: grid.id,
      geometry: { type: 'Point', coordinates: at },
      properties: {
        grid_id: grid.id,
        name: grid.properties.name,
        org_count: grid.properties.org_count,
        emphasis: emphasisOf(grid.id),
      },
    });
  }
  return labels;
}

/**
 * A paint value chosen by the feature's `emphasis`: the user's own grids
 * stand out, the others recede but stay readable.
 */
export function byEmphasis(values: Record<GridEmphasis, number | string | ExpressionSpecification>): ExpressionSpecification {
  return ['match', ['get', 'emphasis'], 'mine', values.mine, 'other', values.other, values.normal] as ExpressionSpecification;
}

/**
 * Adds the grid sources and layers; each feature gets its colour as `color`
 * and its emphasis as `emphasis`.
 */
export function addGridLayers(
  map: MapLibreMap,
  grids: readonly GridFeature[],
  colors: Map<number, string>,
  emphasisOf: EmphasisOf = allNormal,
): void {
  map.addSource(GRID_SOURCE, { type: 'geojson', data: styledGrids(grids, colors, emphasisOf) });
  map.addSource(GRID_LABEL_SOURCE, {
    type: 'geojson',
    data: { type: 'FeatureCollection', features: gridLabelFeatures(grids, emphasisOf) },
  });

  const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false];
  map.addLayer({
    id: GRID_FILL_LAYER,
    type: 'fill',
    source: GRID_SOURCE,
    paint: {
      'fill-color': ['get', 'color'],
      'fill-opacity': byEmphasis({
        normal: ['case', hovered, 0.34, 0.2],
        mine: ['case', hovered, 0.4, 0.3],
        other: ['case', hovered, 0.14, 0.06],
      }),
    },
  });
  map.addLayer({
    id: GRID_OUTLINE_LAYER,
    type: 'line',
    source: GRID_SOURCE,
    layout: { 'line-join': 'round' },
    paint: {
      'line-color': ['get', 'color'],
      'line-width': byEmphasis({
        normal: ['case', hovered, 3, 1.6],
        mine: ['case', hovered, 4, 3],
        other: ['case', hovered, 2, 1.2],
      }),
      'line-opacity': byEmphasis({ normal: 0.95, mine: 1, other: 0.55 }),
    },
  });
  map.addLayer({
    id: GRID_LABEL_LAYER,
    type: 'symbol',
    source: GRID_LABEL_SOURCE,
    layout: {
      'text-field': [
        'format',
        ['get', 'name'],
        { 'text-font': ['literal', LABEL_FONTS_BOLD] },
        '\n',
        {},
        ['concat', ['to-string', ['get', 'org_count']], ` ${text.orgUnit}组织`],
        { 'font-scale': 0.8 },
      ],
      'text-font': LABEL_FONTS,
      'text-size': ['interpolate', ['linear'], ['zoom'], 10, 12, 13, 15, 16, 18],
      'text-line-height': 1.35,
      'text-padding': 4,
      'text-max-width': 12,
    },
    paint: {
      'text-color': byEmphasis({ normal: '#1f2d3d', mine: '#1f2d3d', other: '#6b7785' }),
      'text-halo-color': 'rgba(255,255,255,0.92)',
      'text-halo-width': 2,
    },
  });
}

function styledGrids(grids: readonly GridFeature[], colors: Map<number, string>, emphasisOf: EmphasisOf): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: grids.map((g) => ({
      ...g,
      properties: { ...g.properties, color: colors.get(g.id) ?? '#adb5bd', emphasis: emphasisOf(g.id) },
    })),
  };
}

/** Replaces the drawn grids and their labels (after a resync). */
export function setGridData(map: MapLibreMap, grids: readonly GridFeature[], colors: Map<number, string>, emphasisOf: EmphasisOf = allNormal): void {
  (map.getSource(GRID_SOURCE) as GeoJSONSource | undefined)?.setData(styledGrids(grids, colors, emphasisOf));
  (map.getSource(GRID_LABEL_SOURCE) as GeoJSONSource | undefined)?.setData({
    type: 'FeatureCollection',
    features: gridLabelFeatures(grids, emphasisOf),
  });
}

/** Highlights one grid (hover or selection) through feature state. */
export function setGridHover(map: MapLibreMap, id: number | null, previous: number | null): void {
  if (previous !== null) map.setFeatureState({ source: GRID_SOURCE, id: previous }, { hover: false });
  if (id !== null) map.setFeatureState({ source: GRID_SOURCE, id }, { hover: true });
}

export function gridPopupRows(p: GridProperties): PopupRow[] {
  return [
    [text.popup.gridCode, p.code],
    [text.popup.gridIndustry, p.industry],
    [text.popup.officer, p.officer || text.noData],
    [text.popup.instructor, p.instructor || text.noData],
    [text.popup.orgCount, `${p.org_count} ${text.orgUnit}`],
  ];
}
