// 定位: a map control that shows where the device is, with a ring of its
// accuracy (a circle of that many metres), from the browser's geolocation.
// The ring is a GeoJSON source like any other, so over a GCJ-02 basemap it
// is shifted with the data. Browsers give no position to a page served
// over plain http from anywhere but this computer: the control says so.
import type { GeoJSONSource, IControl, Map as MapLibreMap } from 'maplibre-gl';
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { toMap } from './layers/sources';
import './styles/map-controls.css';

export const LOCATE_SOURCE = 'locate';
export const LOCATE_RING_LAYER = 'locate-ring';
export const LOCATE_RING_LINE_LAYER = 'locate-ring-line';
export const LOCATE_POINT_LAYER = 'locate-point';

export interface Located {
  lng: number;
  lat: number;
  /** Metres, as the browser reports it (the 95 % radius on most devices). */
  accuracy: number;
}

/** A circle of radius metres around a WGS84 point, as a polygon of n sides. */
export function accuracyRing(at: Located, n = 64): Polygon {
  const R = 6378137;
  const rad = Math.PI / 180;
  const ring: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const t = (2 * Math.PI * (i % n)) / n;
    const dLat = ((at.accuracy * Math.cos(t)) / R) / rad;
    const dLng = ((at.accuracy * Math.sin(t)) / (R * Math.cos(at.lat * rad))) / rad;
    ring.push([at.lng + dLng, at.lat + dLat]);
  }
  return { type: 'Polygon', coordinates: [ring] };
}

export function locateFeatures(at: Located): FeatureCollection {
  const ring: Feature = { type: 'Feature', geometry: accuracyRing(at), properties: { part: 'ring' } };
  const point: Feature = { type: 'Feature', geometry: { type: 'Point', coordinates: [at.lng, at.lat] }, properties: { part: 'point' } };
  return { type: 'FeatureCollection', features: [ring, point] };
}

/** What to tell the user when no position came; code is GeolocationPositionError's. */
export function locateFailure(code: number | 'insecure' | 'unsupported'): string {
  switch (code) {
    case 'insecure':
      return '无法定位：本页通过 http 打开（不是本机地址），浏览器只在 https 页面提供定位。请管理员启用 https。';
    case 'unsupported':
      return '无法定位：此浏览器不支持定位。';
    case 1:
      return '无法定位：定位权限被拒绝。请在浏览器或系统设置中允许本站使用位置信息后重试。';
    case 3:
      return '定位超时：请到开阔处或打开手机定位服务后重试。';
    default:
      return '无法定位：设备暂时无法获取位置，请确认已打开定位服务。';
  }
}

export class LocateControl implements IControl {
  private map: MapLibreMap | null = null;
  private container: HTMLElement | null = null;
  private message: HTMLElement | null = null;
  private button: HTMLButtonElement | null = null;
  /** The last position found, or null. */
  located: Located | null = null;

  onAdd(map: MapLibreMap): HTMLElement {
    this.map = map;
    const root = document.createElement('div');
    root.className = 'maplibregl-ctrl maplibregl-ctrl-group map-text-ctrl locate-ctrl';
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'map-text-button locate-button';
    b.textContent = '定位';
    b.title = '显示我的位置';
    b.setAttribute('aria-label', '定位：显示我的位置');
    b.addEventListener('click', () => this.locate());
    const msg = document.createElement('p');
    msg.className = 'locate-message';
    msg.setAttribute('role', 'status');
    msg.hidden = true;
    root.append(b, msg);
    this.container = root;
    this.button = b;
    this.message = msg;
    return root;
  }

  onRemove(): void {
    window.clearTimeout(this.hideTimer);
    this.container?.remove();
    this.container = null;
    this.map = null;
  }

  private hideTimer = 0;

  /** Shows a message beside the button; a good one goes after a while, an error stays until the next try. */
  private say(text: string, tone: 'info' | 'error', forMs = 0): void {
    if (!this.message) return;
    this.message.textContent = text;
    this.message.dataset.tone = tone;
    this.message.hidden = text === '';
    window.clearTimeout(this.hideTimer);
    if (forMs > 0) this.hideTimer = window.setTimeout(() => this.message && (this.message.hidden = true), forMs);
  }

  locate(): void {
    if (!window.isSecureContext) return this.say(locateFailure('insecure'), 'error');
    if (!('geolocation' in navigator)) return this.say(locateFailure('unsupported'), 'error');
    this.say('正在定位…', 'info');
    this.button?.setAttribute('aria-busy', 'true');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        this.button?.removeAttribute('aria-busy');
        this.show({ lng: pos.coords.longitude, lat: pos.coords.latitude, accuracy: Math.max(0, pos.coords.accuracy) });
      },
      (err) => {
        this.button?.removeAttribute('aria-busy');
        this.say(locateFailure(err.code), 'error');
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 },
    );
  }

  /** Draws the position and its ring and brings them into view. */
  show(at: Located): void {
    const map = this.map;
    if (!map) return;
    this.located = at;
    this.say(`我的位置（精度约 ${Math.round(at.accuracy)} 米）`, 'info', 8000);
    const data = locateFeatures(at);
    const source = map.getSource(LOCATE_SOURCE) as GeoJSONSource | undefined;
    if (source) source.setData(data);
    else {
      map.addSource(LOCATE_SOURCE, { type: 'geojson', data });
      map.addLayer({ id: LOCATE_RING_LAYER, type: 'fill', source: LOCATE_SOURCE, filter: ['==', ['get', 'part'], 'ring'],
        paint: { 'fill-color': '#1971c2', 'fill-opacity': 0.15 } });
      map.addLayer({ id: LOCATE_RING_LINE_LAYER, type: 'line', source: LOCATE_SOURCE, filter: ['==', ['get', 'part'], 'ring'],
        paint: { 'line-color': '#1971c2', 'line-width': 1.5 } });
      map.addLayer({ id: LOCATE_POINT_LAYER, type: 'circle', source: LOCATE_SOURCE, filter: ['==', ['get', 'part'], 'point'],
        paint: { 'circle-color': '#1971c2', 'circle-radius': 7, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2.5 } });
    }
    const ring = accuracyRing(at, 4).coordinates[0];
    const lngs = ring.map((p) => toMap(map, p)[0]);
    const lats = ring.map((p) => toMap(map, p)[1]);
    map.fitBounds([[Math.min(...lngs), Math.min(...lats)], [Math.max(...lngs), Math.max(...lats)]], { padding: 60, maxZoom: 17, duration: 600 });
  }

  /** Page position of the dot and the ring's radius in pixels as drawn, for the browser tests. */
  drawn(): { x: number; y: number; radiusPx: number } | null {
    const map = this.map;
    if (!map || !this.located) return null;
    const rect = map.getContainer().getBoundingClientRect();
    const c = map.project(toMap(map, [this.located.lng, this.located.lat]));
    const edge = map.project(toMap(map, accuracyRing(this.located, 4).coordinates[0][1]));
    return { x: rect.left + c.x, y: rect.top + c.y, radiusPx: Math.hypot(edge.x - c.x, edge.y - c.y) };
  }
}
