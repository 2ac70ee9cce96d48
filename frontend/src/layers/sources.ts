// Small helpers for the GeoJSON sources and layers the map layers share,
// and the map's datum: every GeoJSON source is given WGS84 (what the
// server stores); over a GCJ-02 basemap (Amap) each is shifted on its way
// into MapLibre, whoever adds or sets it, and shifted again when the
// basemap changes. Positions read from the map (clicks, a dragged marker)
// come back through fromMap; positions sent to it (fly-to, popups,
// markers, fitting a box) go through toMap.
import type { GeoJSONSource, LngLatLike, Map as MapLibreMap, SourceSpecification } from 'maplibre-gl';
import type { Feature, FeatureCollection, GeoJSON, Position } from 'geojson';
import type { BBox } from '../api';
import { fromDatum, mapGeometry, toDatum, type Datum } from '../gcj';

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

// ---- The map's datum ---------------------------------------------------------

interface DatumView {
  datum: Datum;
  /** Each GeoJSON source's data as given (WGS84), to shift again on a change of datum. */
  given: Map<string, GeoJSON>;
  /** Each GeoJSON source's own setData, before watchSources wrapped it. */
  set: Map<string, (data: GeoJSON | string) => Promise<void>>;
  /** Told after a change of datum (what is drawn outside the sources, e.g. markers). */
  changed: Set<() => void>;
}

const views = new WeakMap<MapLibreMap, DatumView>();

/** data with every position taken from WGS84 to datum; the same object for WGS84. */
export function shiftGeoJSON<T extends GeoJSON>(datum: Datum, data: T): T {
  if (datum === 'wgs84') return data;
  const f = (p: Position) => toDatum(datum, p);
  switch (data.type) {
    case 'FeatureCollection':
      return { ...data, features: data.features.map((x) => ({ ...x, geometry: mapGeometry(x.geometry, f) })) };
    case 'Feature':
      return { ...data, geometry: mapGeometry(data.geometry, f) };
    default:
      return mapGeometry(data, f) as T;
  }
}

/**
 * Makes every GeoJSON source added to the map from now on go through the
 * map's datum (WGS84 until setMapDatum says otherwise). Called once, as
 * the map is made, before any source is added.
 */
export function watchSources(map: MapLibreMap): void {
  if (views.has(map)) return;
  const view: DatumView = { datum: 'wgs84', given: new Map(), set: new Map(), changed: new Set() };
  views.set(map, view);
  const addSource = map.addSource.bind(map);
  map.addSource = (id: string, spec: Parameters<MapLibreMap['addSource']>[1]) => {
    const geojson = spec.type === 'geojson' && typeof spec.data === 'object' ? (spec.data as GeoJSON) : null;
    if (geojson) {
      view.given.set(id, geojson);
      spec = { ...spec, data: shiftGeoJSON(view.datum, geojson) } as SourceSpecification;
    }
    addSource(id, spec);
    const source = map.getSource(id) as GeoJSONSource | undefined;
    if (source?.type === 'geojson') {
      const set = source.setData.bind(source);
      view.set.set(id, set);
      source.setData = (data: GeoJSON | string) => {
        if (typeof data === 'string') {
          view.given.delete(id); // a URL: fetched by MapLibre, not ours to shift
          return set(data);
        }
        view.given.set(id, data);
        return set(shiftGeoJSON(view.datum, data));
      };
    }
    return map;
  };
}

/** The datum the map draws in: its basemap's. */
export function mapDatum(map: MapLibreMap): Datum {
  return views.get(map)?.datum ?? 'wgs84';
}

/** Sets the datum the map draws in and shifts every GeoJSON source's data to it again. */
export function setMapDatum(map: MapLibreMap, datum: Datum): void {
  const view = views.get(map);
  if (!view || view.datum === datum) return;
  view.datum = datum;
  for (const [id, data] of view.given) {
    const set = view.set.get(id);
    if (!map.getSource(id) || !set) {
      view.given.delete(id); // removed since
      continue;
    }
    void set(shiftGeoJSON(datum, data));
  }
  for (const fn of view.changed) fn();
}

/** Calls fn after each change of the map's datum; returns what stops it. */
export function onDatumChange(map: MapLibreMap, fn: () => void): () => void {
  const view = views.get(map);
  view?.changed.add(fn);
  return () => view?.changed.delete(fn);
}

/** A stored (WGS84) position as the map draws it. */
export function toMap(map: MapLibreMap, p: Position): [number, number] {
  return toDatum(mapDatum(map), p);
}

/** A position read from the map (a click, a marker) in WGS84. */
export function fromMap(map: MapLibreMap, at: { lng: number; lat: number } | Position): [number, number] {
  const p = Array.isArray(at) ? at : [at.lng, at.lat];
  return fromDatum(mapDatum(map), p);
}

/** A stored (WGS84) box as the map draws it: its corners shifted (the shift barely varies across a zone). */
export function boxToMap(map: MapLibreMap, b: BBox): [LngLatLike, LngLatLike] {
  return [toMap(map, [b[0], b[1]]), toMap(map, [b[2], b[3]])];
}
