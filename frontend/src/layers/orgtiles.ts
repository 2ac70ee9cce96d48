// Organizations in a large scope (more than the server's map_tiles_above):
// instead of loading them all, the map reads the server's organization
// tiles (/api/v1/tiles/organizations, cells with a count below z16, single
// organizations from z16) and clusters their cells into circles sized by
// count; once the view holds few enough, it loads the organizations in view
// by bbox into the ordinary organization layer (mapshell/orgview.ts).
//
// The tiles are fetched and decoded here rather than drawn by a MapLibre
// vector source: the cells then go into a GeoJSON source, which the map's
// datum shifts onto a GCJ-02 basemap like every other (layers/sources.ts);
// a vector source's features cannot be shifted. The base layer's tiles
// (layers/roads.ts) need no shift: they are hidden under any basemap.
import type { ExpressionSpecification, Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, Point } from 'geojson';
import type { BBox, GridList } from '../api';
import type { User } from '../session';
import { LABEL_FONTS, kindColorExpression } from '../theme';
import { setFeatures } from './sources';

export const CLUSTER_SOURCE = 'org-clusters';
export const CLUSTER_LAYER = 'org-clusters';
export const CLUSTER_LABEL_LAYER = 'org-cluster-labels';

/** The view loads its organizations one by one (by bbox) when it holds at most this many. */
export const VIEW_LIMIT = 5000;

/** One tile's address (XYZ, y pointing south). */
export interface TileId {
  z: number;
  x: number;
  y: number;
}

/** What a cell of an organization tile says: a count (1: one organization, with its attributes). */
export interface OrgCellProperties {
  count: number;
  kind: string;
  id?: number;
  name?: string;
  grid_id?: number;
  party_org?: string;
  liaison_id?: number;
}

export type OrgCell = Feature<Point, OrgCellProperties>;

/** The highest zoom of tiles asked for: from z16 the server sends single organizations. */
export const MAX_TILE_ZOOM = 16;

/**
 * The tile zoom for a map zoom: one below, as MapLibre does for its 512-px
 * vector tiles, so a view needs 4–12 tiles and a server cell is about 4 px.
 */
export function tileZoom(mapZoom: number): number {
  return Math.max(0, Math.min(MAX_TILE_ZOOM, Math.floor(mapZoom) - 1));
}

const MAX_LAT = 85.0511287798066;

function lonToX(lon: number, n: number): number {
  return ((lon + 180) / 360) * n;
}

function latToY(lat: number, n: number): number {
  const r = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n;
}

/** The tiles of zoom z that cover a (WGS84) box. */
export function tilesCovering(b: BBox, z: number): TileId[] {
  const n = 2 ** z;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, Math.floor(v)));
  const [x0, x1] = [clamp(lonToX(b[0], n)), clamp(lonToX(b[2], n))];
  const [y0, y1] = [clamp(latToY(b[3], n)), clamp(latToY(b[1], n))];
  const out: TileId[] = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out.push({ z, x, y });
  return out;
}

/** A tile position (x, y in tile units of extent) as WGS84. */
function tileToLonLat(t: TileId, px: number, py: number, extent: number): [number, number] {
  const n = 2 ** t.z;
  const wx = (t.x + px / extent) / n;
  const wy = (t.y + py / extent) / n;
  const lon = wx * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * wy))) * 180) / Math.PI;
  return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
}

// ---- A Mapbox Vector Tile reader, for the point layer the server sends ----

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  }

  bytes(): Uint8Array {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('truncated field');
    return this.buf.subarray(start, this.pos);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unknown wire type ${wire}`);
  }

  /** Each field of the message: its number and wire type; the callback reads or skips it. */
  each(fn: (field: number, wire: number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const before = this.pos;
      fn(Math.floor(key / 8), key & 7);
      if (this.pos === before) this.skip(key & 7);
    }
  }
}

const utf8 = new TextDecoder();
const zigzag = (n: number) => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

function packed(bytes: Uint8Array): number[] {
  const r = new Reader(bytes);
  const out: number[] = [];
  while (r.pos < r.end) out.push(r.varint());
  return out;
}

function readValue(bytes: Uint8Array): string | number | boolean | null {
  const r = new Reader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let v: string | number | boolean | null = null;
  r.each((field, wire) => {
    if (field === 1 && wire === 2) v = utf8.decode(r.bytes());
    else if (field === 2 && wire === 5) {
      v = view.getFloat32(r.pos, true);
      r.pos += 4;
    } else if (field === 3 && wire === 1) {
      v = view.getFloat64(r.pos, true);
      r.pos += 8;
    } else if ((field === 4 || field === 5) && wire === 0) v = r.varint();
    else if (field === 6 && wire === 0) v = zigzag(r.varint());
    else if (field === 7 && wire === 0) v = r.varint() !== 0;
  });
  return v;
}

/** The points of a feature's geometry (MoveTo commands), in tile units. */
function points(geometry: number[]): [number, number][] {
  const out: [number, number][] = [];
  let x = 0;
  let y = 0;
  for (let i = 0; i < geometry.length; ) {
    const cmd = geometry[i] & 7;
    const count = Math.floor(geometry[i] / 8);
    i++;
    if (cmd === 7) continue; // ClosePath: no parameters
    for (let k = 0; k < count && i + 1 < geometry.length; k++) {
      x += zigzag(geometry[i++]);
      y += zigzag(geometry[i++]);
      if (cmd === 1) out.push([x, y]);
    }
  }
  return out;
}

/**
 * The cells of the "organizations" layer of one tile, as GeoJSON points.
 * A cell in the tile's buffer belongs to a neighbour (the server puts each
 * point in exactly one tile): it is left out, so cells of adjacent tiles
 * are neither lost nor counted twice.
 */
export function decodeOrgTile(data: Uint8Array, tile: TileId, layerName = 'organizations'): OrgCell[] {
  const out: OrgCell[] = [];
  const top = new Reader(data);
  top.each((field, wire) => {
    if (field !== 3 || wire !== 2) return;
    const layer = new Reader(top.bytes());
    let name = '';
    let extent = 4096;
    const keys: string[] = [];
    const values: (string | number | boolean | null)[] = [];
    const raw: { tags: number[]; geometry: number[] }[] = [];
    layer.each((f, w) => {
      if (f === 1 && w === 2) name = utf8.decode(layer.bytes());
      else if (f === 3 && w === 2) keys.push(utf8.decode(layer.bytes()));
      else if (f === 4 && w === 2) values.push(readValue(layer.bytes()));
      else if (f === 5 && w === 0) extent = layer.varint();
      else if (f === 2 && w === 2) {
        const feature = new Reader(layer.bytes());
        const one = { tags: [] as number[], geometry: [] as number[] };
        feature.each((ff, fw) => {
          if (ff === 2 && fw === 2) one.tags = packed(feature.bytes());
          else if (ff === 4 && fw === 2) one.geometry = packed(feature.bytes());
        });
        raw.push(one);
      }
    });
    if (name !== layerName) return;
    for (const f of raw) {
      const props: Record<string, unknown> = {};
      for (let i = 0; i + 1 < f.tags.length; i += 2) props[keys[f.tags[i]]] = values[f.tags[i + 1]];
      for (const [px, py] of points(f.geometry)) {
        if (px < 0 || py < 0 || px >= extent || py >= extent) continue; // a neighbour's
        const p: OrgCellProperties = { count: Number(props.count ?? 1), kind: String(props.kind ?? '') };
        if (p.count === 1) {
          if (typeof props.id === 'number') p.id = props.id;
          if (typeof props.name === 'string') p.name = props.name;
          if (typeof props.grid_id === 'number') p.grid_id = props.grid_id;
          if (typeof props.party_org === 'string') p.party_org = props.party_org;
          if (typeof props.liaison_id === 'number') p.liaison_id = props.liaison_id;
        }
        out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: tileToLonLat(tile, px, py, extent) }, properties: p });
      }
    }
  });
  return out;
}

/** How many organizations the cells inside a (WGS84) box hold. */
export function countInBox(cells: readonly OrgCell[], b: BBox): number {
  let n = 0;
  for (const c of cells) {
    const [x, y] = c.geometry.coordinates;
    if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]) n += c.properties.count;
  }
  return n;
}

/**
 * How many organizations the user's scope holds, and whether that is above
 * the server's threshold. The server says (the grids list's org_total:
 * the scope it enforces, organizations without a grid included). An older
 * server does not: then the grids' counts are summed, an officer's own
 * grids or the zone's, which misses the organizations without a grid. A
 * liaison's scope is the organizations they look after, a few hundred at
 * most: always loaded whole.
 */
export function scopeSize(user: Pick<User, 'role' | 'grid_ids'>, list: GridList, threshold: number): { total: number; large: boolean } {
  if (user.role === 'liaison') return { total: 0, large: false };
  let total = list.orgTotal;
  if (total === null) {
    let own = list.grids;
    if (user.role === 'officer') {
      const wanted = new Set(user.grid_ids);
      const mine = own.filter((g) => wanted.has(g.id));
      if (mine.length > 0) own = mine;
    }
    total = own.reduce((n, g) => n + (g.properties.org_count ?? 0), 0);
  }
  return { total, large: threshold > 0 && total > threshold };
}

/** The size of a cluster or cell: its organizations. */
const COUNT: ExpressionSpecification = ['case', ['has', 'point_count'], ['get', 'orgs'], ['get', 'count']];

/**
 * The cluster layers: one circle per group of cells (MapLibre clusters the
 * cells of the loaded tiles), sized by its organizations and labelled with
 * their number; a cell of one organization is a dot of its kind's colour.
 */
export function addClusterLayers(map: MapLibreMap, beforeId?: string): void {
  map.addSource(CLUSTER_SOURCE, {
    type: 'geojson',
    data: { type: 'FeatureCollection', features: [] },
    cluster: true,
    clusterRadius: 48,
    clusterMaxZoom: 17,
    clusterProperties: { orgs: ['+', ['get', 'count']] },
  });
  map.addLayer(
    {
      id: CLUSTER_LAYER,
      type: 'circle',
      source: CLUSTER_SOURCE,
      paint: {
        'circle-color': ['case', ['==', COUNT, 1], kindColorExpression(), '#2f6fb3'],
        'circle-opacity': ['case', ['==', COUNT, 1], 0.92, 0.78],
        'circle-radius': ['interpolate', ['linear'], COUNT, 1, 5, 10, 11, 100, 15, 1000, 20, 10000, 26, 100000, 32],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    beforeId,
  );
  map.addLayer(
    {
      id: CLUSTER_LABEL_LAYER,
      type: 'symbol',
      source: CLUSTER_SOURCE,
      filter: ['>', COUNT, 1],
      layout: {
        'text-field': ['to-string', COUNT],
        'text-font': LABEL_FONTS,
        'text-size': 12,
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#ffffff', 'text-halo-color': 'rgba(20,50,90,0.6)', 'text-halo-width': 1 },
    },
    beforeId,
  );
}

/** Replaces the cells the clusters are made of. */
export function setClusterCells(map: MapLibreMap, cells: readonly OrgCell[]): void {
  setFeatures(map, CLUSTER_SOURCE, cells);
}
