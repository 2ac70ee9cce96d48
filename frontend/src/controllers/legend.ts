// The panel's 图层 tab: the legend with its grid list, the organization
// kinds, request and overdue toggles, the liaison layer; and its counts.
import { countOverdue } from '../contacts';
import { bboxOf } from '../geometry';
import { orgKinds } from '../i18n';
import { gridLabelFeatures } from '../layers/grids';
import { countByKind, setVisibleKinds } from '../layers/organizations';
import { SLA_ORDER, countBySla, setVisibleSla } from '../layers/requests';
import { markSelectedGrid, renderLegend, updateOverdueCounts, updateRequestCounts } from '../legend';
import { fitToBBox } from '../map';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { scopeNote } from '../scope';
import { setPanelOpen, shell as page } from '../shell';
import { gridColors } from '../theme';
import { gridPopupContent } from './interactions';

export function legendController(): Controller {
  let shell: MapShell;

  function render(): void {
    const { map, store, act, user } = shell;
    const { grids, orgs, requests, scope, overdueOn, liaisonsOn } = store.get();
    const labelAt = new Map(gridLabelFeatures(grids).map((l) => [l.properties.grid_id, l.geometry.coordinates]));
    renderLegend(
      page.legend,
      {
        grids,
        colors: gridColors(grids),
        kindCounts: countByKind(orgs),
        ownGridIds: scope!.ownGridIds,
        scopeNote: scopeNote(scope!, user, grids, orgs.length),
        requestCounts: countBySla(requests),
        overdue: countOverdue(orgs),
        overdueOn,
        liaisons: true,
        liaisonsOn,
      },
      {
        onGridSelect: (id) => {
          const grid = store.get().gridById.get(id);
          if (!grid) return;
          setPanelOpen(false); // the bottom sheet would hide the grid on a phone
          const bbox = bboxOf([grid.geometry]);
          if (bbox) fitToBBox(map, bbox, true);
          const at = labelAt.get(id);
          if (at) shell.showPopup(at as [number, number], gridPopupContent(grid));
          markSelectedGrid(page.legend, id);
        },
        onGridHover: (id) => act.hoverGrid(id),
        onKindsChange: (visible) => setVisibleKinds(map, visible, orgKinds),
        onSlaChange: (visible) => setVisibleSla(map, visible),
        onOverdueChange: (on) => store.set({ overdueOn: on }),
        onLiaisonsChange: (on) => {
          store.set({ liaisonsOn: on });
          void act.showLiaisonLayer();
        },
      },
    );
    // A re-rendered legend shows everything again; so must the map.
    setVisibleKinds(map, new Set(orgKinds), orgKinds);
    setVisibleSla(map, new Set(SLA_ORDER));
  }

  return {
    mount(s) {
      shell = s;
      s.provide('selectGrid', (id) => markSelectedGrid(page.legend, id));
      s.on('redrawn', render);
      s.on('counts', () => {
        const { requests, orgs } = s.store.get();
        updateRequestCounts(page.legend, countBySla(requests));
        updateOverdueCounts(page.legend, countOverdue(orgs));
      });
    },
    drawn: () => render(),
  };
}
