// Small helpers for the GeoJSON sources and layers the map layers share.
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';

const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** Adds an empty GeoJSON source for each id (promoteId: the property that is the feature id). */
export function addEmptySources(map: MapLibreMap, ids: readonly string[], promoteId?: string): void {
  for (const id of ids) map.addSource(id, promoteId ? { type: 'geojson', data: empty, promoteId } : { type: 'geojson', data: empty });
}

/** Replaces the features of a GeoJSON source; a source not added yet is left alone. */
export function setFeatures(map: MapLibreMap, sourceId: string, features: readonly Feature[]): void {
  (map.getSource(sourceId) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [...features] });
}

/** Shows or hides each layer. */
export function setVisible(map: MapLibreMap, layerIds: readonly string[], visible: boolean): void {
  for (const id of layerIds) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}
