// The liaison layers: each liaison's base, and the active assignments as
// thin lines from base to organization (pinned ones in amber). Off until
// the legend's 包联关系 toggle (or a rebalance plan) turns them on.
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { AssignmentFeature, LiaisonFeature } from '../api';
import { LABEL_FONTS } from '../theme';
import { addEmptySources, setFeatures, setVisible } from './sources';

export const LIAISON_SOURCE = 'liaisons';
export const ASSIGNMENT_SOURCE = 'assignments';
export const LIAISON_LAYER = 'liaisons';
export const LIAISON_LABEL_LAYER = 'liaison-labels';
export const ASSIGNMENT_LAYER = 'assignments';

export const LIAISON_COLOR = '#343a40';
export const PINNED_COLOR = '#f08c00';

/** Adds the (empty, hidden) layers: the lines below `linesBefore`, the bases below `basesBefore`. */
export function addLiaisonLayers(map: MapLibreMap, linesBefore?: string, basesBefore?: string): void {
  addEmptySources(map, [ASSIGNMENT_SOURCE, LIAISON_SOURCE]);
  map.addLayer(
    {
      id: ASSIGNMENT_LAYER,
      type: 'line',
      source: ASSIGNMENT_SOURCE,
      layout: { visibility: 'none', 'line-cap': 'round' },
      paint: {
        'line-color': ['case', ['boolean', ['get', 'pinned'], false], PINNED_COLOR, '#495057'],
        'line-width': ['case', ['boolean', ['get', 'pinned'], false], 1.6, 1],
        'line-opacity': 0.45,
      },
    },
    linesBefore,
  );
  map.addLayer(
    {
      id: LIAISON_LAYER,
      type: 'circle',
      source: LIAISON_SOURCE,
      layout: { visibility: 'none' },
      paint: {
        'circle-color': LIAISON_COLOR,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3.5, 14, 6],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    basesBefore,
  );
  map.addLayer(
    {
      id: LIAISON_LABEL_LAYER,
      type: 'symbol',
      source: LIAISON_SOURCE,
      minzoom: 14,
      layout: {
        visibility: 'none',
        'text-field': ['concat', ['get', 'name'], ' ', ['to-string', ['get', 'load']], '/', ['to-string', ['get', 'max']]],
        'text-font': LABEL_FONTS,
        'text-size': 11,
        'text-offset': [0, 1.1],
        'text-anchor': 'top',
        'text-optional': true,
      },
      paint: { 'text-color': LIAISON_COLOR, 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.5 },
    },
    basesBefore,
  );
}

export function setLiaisonData(map: MapLibreMap, liaisons: readonly LiaisonFeature[], assignments: readonly AssignmentFeature[]): void {
  setFeatures(map, LIAISON_SOURCE, liaisons);
  setFeatures(map, ASSIGNMENT_SOURCE, assignments);
}

/** Shows the bases, and the assignment lines when `lines`. */
export function setLiaisonsVisible(map: MapLibreMap, bases: boolean, lines: boolean): void {
  setVisible(map, [LIAISON_LAYER, LIAISON_LABEL_LAYER], bases);
  setVisible(map, [ASSIGNMENT_LAYER], lines);
}
