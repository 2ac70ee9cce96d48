// The coverage gap organizations (覆盖率 → 查看缺口) on the map: a white
// marker with a thick crimson ring over the usual dot, so
// they stand out from the organizations coloured by kind; the one chosen
// from the list is drawn larger.
import type { ExpressionSpecification, Map as MapLibreMap } from 'maplibre-gl';
import type { OrgFeature } from '../api';
import { addEmptySources, setFeatures, setVisible } from './sources';

export const GAP_SOURCE = 'coverage-gaps';
export const GAP_LAYER = 'coverage-gaps';
/** The ring of a gap organization. */
export const GAP_COLOR = '#c2255c';

const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];

/** Adds the (empty, hidden) gap layer below `beforeId`. */
export function addGapLayers(map: MapLibreMap, beforeId?: string): void {
  addEmptySources(map, [GAP_SOURCE]);
  map.addLayer(
    {
      id: GAP_LAYER,
      type: 'circle',
      source: GAP_SOURCE,
      layout: { visibility: 'none' },
      paint: {
        'circle-color': '#ffffff',
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, ['case', selected, 7, 4.5], 14, ['case', selected, 11, 7], 16, ['case', selected, 13, 9]],
        'circle-stroke-color': GAP_COLOR,
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 10, 2, 14, 3.5],
        'circle-opacity': 0.95,
      },
    },
    beforeId,
  );
}

/** Draws these gap organizations (null hides the layer). */
export function setGaps(map: MapLibreMap, orgs: readonly OrgFeature[] | null): void {
  setFeatures(map, GAP_SOURCE, orgs ?? []);
  setVisible(map, [GAP_LAYER], orgs !== null);
}

/** Marks the gap organization chosen from the list (and unmarks the last one). */
export function setSelectedGap(map: MapLibreMap, id: number | null, previous: number | null): void {
  if (previous !== null) map.setFeatureState({ source: GAP_SOURCE, id: previous }, { selected: false });
  if (id !== null) map.setFeatureState({ source: GAP_SOURCE, id }, { selected: true });
}
