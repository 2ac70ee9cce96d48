// The panel's 图层 tab: the legend with its grid list, the organization
// kinds, request and overdue toggles, the liaison layer; and its counts.
// Above it, 本视图中的诉求与组织: what the map draws, reachable by keyboard.
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
import { el } from '../dom';
import { hook } from '../hook';
import { featureEntries, listKeys, renderFeatureList, type FeatureEntry } from '../featurelist';
import { ORG_LAYER } from '../layers/organizations';
import { REQUEST_PIN_LAYER } from '../layers/requests';
import { gridPopupContent } from './interactions';

declare module '../hook' {
  interface GridgisTestHook {
    /**
     * For the browser tests: a map layer's type and icon, and the ids of its
     * features drawn now, anywhere or within r px of a map point (null: no such layer).
     */
    mapLayer?(id: string, near?: { x: number; y: number; r: number }): { type: string; icon: unknown; rendered: number[] } | null;
  }
}

export function legendController(): Controller {
  let shell: MapShell;

  function render(): void {
    const { map, store, act, user } = shell;
    const { grids, orgs, requests, scope, overdueOn, liaisonsOn } = store.get();
    // A large scope: the map holds the organizations in view only, so no per-kind totals.
    const large = shell.data.large;
    const note = scopeNote(scope!, user, grids, orgs.length);
    const labelAt = new Map(gridLabelFeatures(grids).map((l) => [l.properties.grid_id, l.geometry.coordinates]));
    renderLegend(
      page.legend,
      {
        grids,
        colors: gridColors(grids),
        kindCounts: large ? null : countByKind(orgs),
        ownGridIds: scope!.ownGridIds,
        scopeNote: large ? `${note} · 共 ${large.total} 家组织，地图按视野加载（超期数为视野内）` : note,
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

  // ---- 本视图中的诉求与组织 ----
  const features = el('section', 'legend-section feature-section');
  const featureTitle = el('h2', 'legend-title', '本视图中的诉求与组织');
  featureTitle.id = 'feature-list-title';
  const featureList = el('ul', 'feature-list');
  featureList.setAttribute('aria-labelledby', featureTitle.id);
  const featureNote = el('p', 'feature-note');
  features.append(featureTitle, el('p', 'feature-hint', '按 Tab 进入列表，↑↓ 选择，回车打开（与点击地图上的标记相同）'), featureList, featureNote);
  featureList.addEventListener('keydown', listKeys(featureList));
  /** The list item that opened the side panel: the focus goes back to it when the panel closes. */
  let opener: HTMLElement | null = null;
  let pending = 0;

  function refreshFeatures(): void {
    pending = 0;
    const { map, store } = shell;
    const { requestById, orgById } = store.get();
    const canvas = map.getCanvas();
    const drawn = map.queryRenderedFeatures({ layers: [REQUEST_PIN_LAYER, ORG_LAYER] });
    const requests = [];
    const orgs = [];
    for (const f of drawn) {
      if (f.geometry.type !== 'Point') continue;
      const at = map.project(f.geometry.coordinates as [number, number]);
      const id = Number(f.id);
      if (f.layer.id === REQUEST_PIN_LAYER) {
        const r = requestById.get(id)?.properties;
        if (r) requests.push({ id, title: r.title, org_name: r.org_name, status: r.status, sla: r.sla, at });
      } else {
        const o = orgById.get(id)?.properties;
        if (o) orgs.push({ id, name: o.name, kind: o.kind, at });
      }
    }
    const entries = featureEntries(requests, orgs, { x: canvas.clientWidth / 2, y: canvas.clientHeight / 2 });
    renderFeatureList(featureList, entries, { onOpen: openFeature });
    const total = new Set(requests.map((r) => r.id)).size + new Set(orgs.map((o) => o.id)).size;
    featureTitle.textContent = `本视图中的诉求与组织（${total}）`;
    const clusters = shell.data.large?.view.state.mode === 'clusters';
    featureNote.textContent = clusters
      ? '组织较多，地图以聚合圆显示；放大地图后逐家列出。'
      : total === 0 ? '视图中没有诉求或组织；拖动或缩小地图查看。' : total > entries.length ? `显示最紧急和离中心最近的 ${entries.length} 项，放大地图查看其他。` : '';
  }

  function scheduleFeatures(): void {
    if (pending) return;
    pending = window.setTimeout(refreshFeatures, 120);
  }

  /** What a click on the feature does: a request opens its panel, an organization its popup. */
  function openFeature(entry: FeatureEntry, item: HTMLElement): void {
    opener = item;
    if (entry.type === 'request') {
      shell.act.openRequest(entry.id);
      return;
    }
    setPanelOpen(false);
    shell.act.showOrg(entry.id);
    // The popup's first action (联系走访) takes the focus, as a keyboard user would go on there.
    shell.popup.getElement()?.querySelector<HTMLElement>('.popup-action, button')?.focus();
  }

  /** When the side panel opens from the keyboard, the focus follows into it; when it closes, back to the list. */
  const followPanel = new MutationObserver(() => {
    const active = document.activeElement;
    const lost = !active || active === document.body;
    const fromHere = lost || features.contains(active) || Boolean(shell.popup.getElement()?.contains(active));
    if (!page.detail.hidden && fromHere && opener) {
      const heading = page.detail.querySelector<HTMLElement>('#detail-heading');
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    } else if (page.detail.hidden && (lost || page.detail.contains(active)) && opener) {
      // The list may have been rebuilt since (the map moved): the same item, else the list's Tab stop.
      const again =
        featureList.querySelector<HTMLElement>(`[data-key="${opener.dataset.key}"]`) ?? featureList.querySelector<HTMLElement>('[tabindex="0"]');
      opener = null;
      again?.focus();
    }
  });
  const onMoveEnd = () => scheduleFeatures();

  return {
    mount(s) {
      shell = s;
      page.legendPane.insertBefore(features, page.legend);
      hook.mapLayer = (id, near) => {
        const layer = s.map.getLayer(id);
        if (!layer) return null;
        const box: [[number, number], [number, number]] | undefined = near && [
          [near.x - near.r, near.y - near.r],
          [near.x + near.r, near.y + near.r],
        ];
        const rendered = (box ? s.map.queryRenderedFeatures(box, { layers: [id] }) : s.map.queryRenderedFeatures({ layers: [id] })).map((f) => Number(f.id));
        const icon = layer.type === 'symbol' ? (s.map.getLayoutProperty(id, 'icon-image') ?? null) : null;
        return { type: layer.type, icon, rendered: [...new Set(rendered)] };
      };
      followPanel.observe(page.detail, { attributes: true, attributeFilter: ['hidden', 'data-org-id', 'data-view'] });
      s.on('redrawn', () => s.map.once('idle', scheduleFeatures));
      s.on('counts', () => s.map.once('idle', scheduleFeatures));
      s.provide('selectGrid', (id) => markSelectedGrid(page.legend, id));
      s.on('redrawn', render);
      s.on('counts', () => {
        const { requests, orgs } = s.store.get();
        updateRequestCounts(page.legend, countBySla(requests));
        updateOverdueCounts(page.legend, countOverdue(orgs));
      });
    },
    drawn() {
      render();
      shell.map.on('moveend', onMoveEnd);
      shell.map.once('idle', scheduleFeatures);
    },
    unmount() {
      shell.map.off('moveend', onMoveEnd);
      followPanel.disconnect();
      window.clearTimeout(pending);
      features.remove();
      delete hook.mapLayer;
    },
  };
}
