// The docks over the lower map: 统计 (the KPI dashboard) and 覆盖率 (the
// coverage figures and their gap list). One is open at a time; each paints
// its figure on the grids and keeps the map's view clear of itself.
import type { OrgFeature } from '../api';
import { createCoverageView, type CoverageView } from '../coverageview';
import { hook } from '../hook';
import type { ChoroplethEntry } from '../layers/choropleth';
import { setGaps, setSelectedGap } from '../layers/gaps';
import type { Controller, MapShell } from '../mapshell/mapshell';
import type { DockName } from '../mapshell/state';
import { createStatsView, type StatsView } from '../statsview';

type DockView = StatsView | CoverageView;

/** The dock hooks every dock shares: choropleth, layout, grid rows, one dock at a time. */
function dockDeps(shell: MapShell, name: DockName, view: () => DockView) {
  const { store } = shell;
  // Another dock opened: this one makes way.
  store.subscribe(['openDock'], (s) => {
    if (s.openDock !== name && view().isOpen()) view().close();
  });
  return {
    api: shell.api,
    onChoropleth: (entries: Map<number, ChoroplethEntry> | null) => store.set({ choropleth: entries }),
    onLayout: (h: number) => {
      shell.dockLayout(h);
      if (h === 0 && !view().isOpen() && store.get().openDock === name) store.set({ openDock: null });
    },
    onGrid: (id: number) => shell.fitGrid(id),
    onOpen: () => store.set({ openDock: name }),
  };
}

export function statsController(): Controller {
  let view: StatsView;
  return {
    mount(shell) {
      view = createStatsView(dockDeps(shell, 'stats', () => view), (s) => (hook.stats = s));
    },
    unmount: () => view.destroy(),
  };
}

export function coverageController(): Controller {
  let shell: MapShell;
  let view: CoverageView;
  let selectedGap: number | null = null;

  /** Draws the gap organizations of the dock's list (null: none). */
  function showGaps(list: OrgFeature[] | null): void {
    selectedGap = null;
    shell.store.set({ gaps: list });
    if (!shell.store.get().ready) return;
    setGaps(shell.map, list);
  }

  function onGap(org: OrgFeature): void {
    if (shell.store.get().ready) setSelectedGap(shell.map, org.id, selectedGap);
    selectedGap = org.id;
    const at = org.geometry.coordinates as [number, number];
    shell.flyTo(at);
    shell.showPopup(at, shell.act.orgPopup(shell.store.get().orgById.get(org.id) ?? org));
  }

  return {
    mount(s) {
      shell = s;
      view = createCoverageView(
        { ...dockDeps(s, 'coverage', () => view), onGaps: showGaps, onGap, capacity: s.user.role === 'admin' || s.user.role === 'planner' },
        (state) => (hook.coverage = state),
      );
      s.store.subscribe(['ready'], (state) => {
        if (state.ready && state.gaps) setGaps(s.map, state.gaps);
      });
    },
    unmount: () => view.destroy(),
  };
}
