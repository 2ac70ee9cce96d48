import { describe, expect, it } from 'vitest';
import type { Position } from 'geojson';
import type { GridFeature, OrgProperties } from '../api';
import { pointInPolygon } from '../geometry';
import { byEmphasis, gridLabelFeatures, gridPopupRows } from './grids';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { ORG_LAYER, addOrgLayers, countByKind, kindColor, kindFilter, orgPopup } from './organizations';
import { PIN_HEAD, PIN_HEIGHT, PIN_PIXEL_RATIO, PIN_WIDTH, pinImage } from './pins';
import { REQUEST_SLACK } from '../controllers/interactions';
import { BADGE_OFFSET, HIT_LIFT, PIN_HIT_RADIUS, PIN_LIFT, PIN_SIZES, REQUEST_LAYER, REQUEST_PIN_LAYER, SLA_MARKS, addRequestLayers, countBySla, slaFilter, slaSortKey } from './requests';
import type { RequestFeature } from '../api';
import { KIND_COLORS, UNKNOWN_KIND_COLOR } from '../theme';

const ring = (x: number, y: number, w: number, h: number): Position[] => [
  [x, y],
  [x + w, y],
  [x + w, y + h],
  [x, y + h],
  [x, y],
];

function grid(id: number, name: string, coordinates: Position[][][]): GridFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'MultiPolygon', coordinates },
    properties: { code: `G${id}`, name, industry: '新材料', officer: '王建国', instructor: '', org_count: 12 },
  };
}

const props: OrgProperties = {
  name: '平顶山某新材料有限公司',
  uscc: '91410400MA44XXXX1K',
  kind: 'new_economic',
  industry: '新材料',
  grid_id: 3,
  grid_reason: 'territory',
  party_org: 'standalone',
  party_members: 5,
  employees: 120,
  high_tech: true,
  specialized: true,
  liaison_id: 7,
  last_contact_at: '2025-11-20T01:00:00Z',
  last_visit_at: null,
  open_requests: 2,
};

describe('gridLabelFeatures', () => {
  it('puts one label per grid inside the grid', () => {
    const grids = [grid(1, '新材料产业网格', [[ring(0, 0, 1, 1)]]), grid(2, '新能源产业网格', [[ring(1, 0, 2, 1)], [ring(5, 5, 0.1, 0.1)]])];
    const labels = gridLabelFeatures(grids);
    expect(labels.map((l) => l.properties.name)).toEqual(['新材料产业网格', '新能源产业网格']);
    expect(pointInPolygon(labels[1].geometry.coordinates, [ring(1, 0, 2, 1)])).toBe(true);
    expect(labels[0].properties).toEqual({ grid_id: 1, name: '新材料产业网格', org_count: 12, emphasis: 'normal' });
  });

  it("carries each grid's emphasis", () => {
    const grids = [grid(1, '新材料产业网格', [[ring(0, 0, 1, 1)]]), grid(2, '新能源产业网格', [[ring(1, 0, 1, 1)]])];
    const labels = gridLabelFeatures(grids, (id) => (id === 2 ? 'mine' : 'other'));
    expect(labels.map((l) => l.properties.emphasis)).toEqual(['other', 'mine']);
  });

  it('skips grids without geometry', () => {
    expect(gridLabelFeatures([grid(1, '空网格', [])])).toEqual([]);
  });
});

describe('byEmphasis', () => {
  it('chooses a paint value by the feature\'s emphasis, normal being the fallback', () => {
    expect(byEmphasis({ normal: 1, mine: 2, other: 0.5 })).toEqual(['match', ['get', 'emphasis'], 'mine', 2, 'other', 0.5, 1]);
  });
});

describe('gridPopupRows', () => {
  it('shows officer and instructor, with a placeholder when unset', () => {
    expect(gridPopupRows(grid(1, 'x', []).properties)).toEqual([
      ['网格编码', 'G1'],
      ['主导产业', '新材料'],
      ['网格员', '王建国'],
      ['党建指导员', '暂无记录'],
      ['组织数量', '12 家'],
    ]);
  });
});

describe('orgPopup', () => {
  it('shows the credit code, kind, industry, party organization and grid', () => {
    const popup = orgPopup(props, '新材料产业网格');
    expect(popup.title).toBe('平顶山某新材料有限公司');
    expect(popup.badge).toEqual({ text: '新经济组织', color: KIND_COLORS.new_economic });
    expect(Object.fromEntries(popup.rows)).toEqual({
      统一社会信用代码: '91410400MA44XXXX1K',
      组织类型: '新经济组织',
      所属行业: '新材料',
      党组织: '单独组建 · 党员 5 人',
      所属网格: '新材料产业网格 · 属地兜底',
      职工人数: '120 人',
      资质: '高新技术企业、专精特新',
      最近联系: '2025-11-20',
      最近走访: '暂无记录',
      在办诉求: '2 件',
    });
  });

  it('badges a last contact or visit that is overdue', () => {
    const popup = orgPopup({ ...props, contact_overdue: false, visit_overdue: true }, '新材料产业网格');
    const rows = new Map(popup.rows.map((r) => [r[0], r]));
    expect(rows.get('最近联系')).toEqual(['最近联系', '2025-11-20']);
    expect(rows.get('最近走访')).toEqual(['最近走访', '暂无记录', { text: '超期未走访', tone: 'overdue' }]);
  });

  it('leaves out the badge row for an organization without flags', () => {
    const popup = orgPopup({ ...props, high_tech: false, specialized: false, party_org: 'none', party_members: 0 }, undefined);
    const rows = Object.fromEntries(popup.rows);
    expect(rows['资质']).toBeUndefined();
    expect(rows['党组织']).toBe('未建立');
    expect(rows['所属网格']).toBe('#3 · 属地兜底');
  });
});

describe('organization kinds', () => {
  it('filters only when some kind is hidden', () => {
    const all = ['enterprise', 'new_economic', 'social'];
    expect(kindFilter(new Set(all), all)).toBeNull();
    expect(kindFilter(new Set(['social']), all)).toEqual(['in', ['get', 'kind'], ['literal', ['social']]]);
  });

  it('counts per kind', () => {
    const f = (kind: OrgProperties['kind']) => ({ properties: { ...props, kind } }) as never;
    expect(Object.fromEntries(countByKind([f('enterprise'), f('social'), f('enterprise')]))).toEqual({ enterprise: 2, social: 1 });
  });

  it('colours unknown kinds grey', () => {
    expect(kindColor('enterprise')).toBe(KIND_COLORS.enterprise);
    expect(kindColor('cooperative')).toBe(UNKNOWN_KIND_COLOR);
  });
});

describe('request layer', () => {
  it('filters by SLA colour only when some colour is hidden', () => {
    expect(slaFilter(new Set(['red', 'yellow', 'green']))).toBeNull();
    expect(slaFilter(new Set(['red']))).toEqual(['in', ['get', 'sla'], ['literal', ['red']]]);
  });

  it('counts per SLA colour', () => {
    const r = (sla: string) => ({ properties: { sla } }) as unknown as RequestFeature;
    expect(Object.fromEntries(countBySla([r('red'), r('green'), r('red')]))).toEqual({ red: 2, green: 1 });
  });

  it('draws overdue requests on top', () => {
    expect(slaSortKey()).toEqual(['match', ['get', 'sla'], 'red', 3, 'yellow', 2, 1]);
  });

  it('draws pins (a symbol layer with one image per state), not circles like the organizations', () => {
    const map = fakeMap();
    addOrgLayers(map as never, []);
    addRequestLayers(map as never, []);
    const org = map.layers.find((l) => l.id === ORG_LAYER)!;
    const pins = map.layers.find((l) => l.id === REQUEST_PIN_LAYER)!;
    expect(org.type).toBe('circle');
    expect(pins.type).toBe('symbol');
    const image = (pins.layout as Record<string, unknown>)['icon-image'];
    expect(image).toEqual(['match', ['get', 'sla'], 'red', 'request-pin-red', 'yellow', 'request-pin-yellow', 'green', 'request-pin-green', 'request-pin-other']);
    expect([...map.images.keys()].sort()).toEqual(['request-pin-green', 'request-pin-other', 'request-pin-red', 'request-pin-yellow']);
    // What MapLibre would say about these layers.
    const errors = validateStyleMin({
      version: 8,
      sources: { organizations: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } }, requests: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } },
      layers: map.layers as never,
    } as never);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('hits a pin at its head, never over its organization\'s dot, and the test click point inside at every size', () => {
    const map = fakeMap();
    addRequestLayers(map as never, []);
    expect(map.layers.find((l) => l.id === REQUEST_LAYER)?.type).toBe('circle');
    for (const [, size] of PIN_SIZES) {
      const head = -(PIN_LIFT + PIN_HEIGHT - PIN_HEAD[1]) * size;
      const r = PIN_HIT_RADIUS * size;
      expect(-HIT_LIFT + r).toBeLessThan(-REQUEST_SLACK - 3); // clear of the dot and the click's slack
      expect(Math.abs(head + HIT_LIFT)).toBeLessThan(r); // over the drawn head
      expect(Math.abs(BADGE_OFFSET[1] + HIT_LIFT)).toBeLessThan(r);
    }
  });
});

describe('pin image', () => {
  const at = (img: ReturnType<typeof pinImage>, x: number, y: number) => {
    const k = (Math.floor(y * PIN_PIXEL_RATIO) * img.width + Math.floor(x * PIN_PIXEL_RATIO)) * 4;
    return [...img.data.slice(k, k + 4)];
  };

  it('is a teardrop: an opaque head, a narrow tip at the bottom, clear corners', () => {
    const img = pinImage('#bb3e5e', 'none');
    expect(img.width).toBe(PIN_WIDTH * PIN_PIXEL_RATIO);
    expect(img.height).toBe(PIN_HEIGHT * PIN_PIXEL_RATIO);
    expect(at(img, PIN_HEAD[0], PIN_HEAD[1])).toEqual([0xbb, 0x3e, 0x5e, 255]);
    expect(at(img, PIN_HEAD[0], PIN_HEIGHT - 2)[3]).toBeGreaterThan(100); // the tip
    expect(at(img, 2, PIN_HEIGHT - 2)[3]).toBe(0); // beside the tip
    expect(at(img, 0.2, 0.2)[3]).toBe(0);
    expect(at(img, PIN_HEAD[0], 1.6)).toEqual([255, 255, 255, expect.any(Number)]); // the white border
  });

  it('marks each state differently inside the head', () => {
    const dot = pinImage('#077b8d', 'dot');
    const clock = pinImage('#85660f', 'clock');
    const alert = pinImage('#bb3e5e', 'alert');
    const [cx, cy] = PIN_HEAD;
    expect(at(dot, cx, cy).slice(0, 3)).toEqual([255, 255, 255]);
    expect(at(clock, cx + 4.6, cy).slice(0, 3)).toEqual([255, 255, 255]); // the clock's ring
    expect(at(clock, cx - 2, cy + 2).slice(0, 3)).toEqual([0x85, 0x66, 0x0f]); // inside the ring
    expect(at(alert, cx, cy - 3).slice(0, 3)).toEqual([255, 255, 255]); // the bar of "!"
    expect(at(alert, cx + 3, cy).slice(0, 3)).toEqual([0xbb, 0x3e, 0x5e]);
    expect(SLA_MARKS).toEqual({ green: 'dot', yellow: 'clock', red: 'alert' });
  });
});

/** Enough of a MapLibre map to record what the layer functions add. */
function fakeMap() {
  const layers: { id: string; type: string; layout?: unknown; paint?: unknown }[] = [];
  const images = new Map<string, unknown>();
  return {
    layers,
    images,
    addSource: () => undefined,
    addLayer: (l: { id: string; type: string }) => void layers.push(l),
    hasImage: (id: string) => images.has(id),
    addImage: (id: string, img: unknown) => void images.set(id, img),
  };
}
