// 导航: links that open navigation to an organization in the phone's map
// app. Amap's URI API (https://uri.amap.com/navigation) takes its "to"
// as lon,lat[,name] in GCJ-02 (its navigation URI has no coordinate
// parameter), so the stored WGS84 point is shifted first; a geo: URI
// (RFC 5870) is WGS84 by definition, and other map apps open it.
import type { Position } from 'geojson';
import { wgs84ToGcj02 } from './gcj';

const fixed = (x: number) => x.toFixed(6);

/** Amap's navigation page (the app, where installed) to a WGS84 point, driving. */
export function amapNavigationURL(wgs84: Position, name: string): string {
  const [lng, lat] = wgs84ToGcj02(wgs84);
  // The name is the third comma-separated part of "to": no comma of its own.
  const label = encodeURIComponent(name.replace(/[,，]/g, ' ').trim());
  return `https://uri.amap.com/navigation?to=${fixed(lng)},${fixed(lat)},${label}&mode=car&policy=0&src=gridgis&callnative=1`;
}

/** A geo: URI for a WGS84 point, with the name as the label Android map apps show. */
export function geoURI(wgs84: Position, name: string): string {
  const [lng, lat] = wgs84;
  return `geo:${fixed(lat)},${fixed(lng)}?q=${fixed(lat)},${fixed(lng)}(${encodeURIComponent(name)})`;
}
