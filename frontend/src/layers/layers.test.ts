import { describe, expect, it } from 'vitest';
import type { Position } from 'geojson';
import type { GridFeature, OrgProperties } from '../api';
import { pointInPolygon } from '../geometry';
import { byEmphasis, gridLabelFeatures, gridPopupRows } from './grids';
import { countByKind, kindColor, kindFilter, orgPopup } from './organizations';
import { byZoom, countBySla, slaFilter, slaSortKey } from './requests';
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

  it('keeps zoom the outermost input of a size, as MapLibre requires', () => {
    const e = byZoom([10, 4, 6], [16, 8, 10]);
    expect(e.slice(0, 3)).toEqual(['interpolate', ['linear'], ['zoom']]);
    expect(e[3]).toBe(10);
    expect(e[4]).toEqual(['case', ['boolean', ['feature-state', 'selected'], false], 6, 4]);
  });
});
