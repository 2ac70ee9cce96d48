// 包联优化 (admins and planners): the rebalancing planner in the side panel
// and the plan's moves drawn on the map, liaison bases with them.
import type { MoveFeature } from '../api';
import { hook } from '../hook';
import { setMoves, setSelectedMove } from '../layers/moves';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { moveOrgPoint } from '../rebalance';
import { createRebalancePanel, type RebalancePanel } from '../rebalancepanel';
import { setPanelOpen, shell as page } from '../shell';

export function rebalanceController(): Controller {
  let shell: MapShell;
  let panel: RebalancePanel;
  let selectedMove: number | null = null;

  /** Draws the plan's moves (null: none) once the map can. */
  function showMoves(moves: MoveFeature[] | null, visible: boolean): void {
    const planMoves = moves ?? [];
    const movesShown = moves !== null && visible;
    selectedMove = null;
    hook.moveLines = movesShown ? planMoves.length : 0;
    shell.store.set({ moves: planMoves, movesShown });
    if (!shell.store.get().ready) return; // drawn once the map is
    draw();
  }

  function draw(): void {
    const { moves, movesShown } = shell.store.get();
    setMoves(shell.map, moves, movesShown);
    void shell.act.showLiaisonLayer();
  }

  function onMove(m: MoveFeature): void {
    setSelectedMove(shell.map, m.properties.org_id, selectedMove);
    selectedMove = m.properties.org_id;
    const at = moveOrgPoint(m);
    if (!at) return;
    shell.flyTo(at);
    const org = shell.store.get().orgById.get(m.properties.org_id);
    if (org) shell.showPopup(at, shell.act.orgPopup(org));
  }

  const onTool = () => {
    if (panel.isOpen()) panel.close();
    else {
      shell.popup.remove();
      setPanelOpen(false);
      void panel.open();
    }
  };

  return {
    mount(s) {
      shell = s;
      panel = createRebalancePanel(
        {
          api: s.api,
          user: s.user,
          side: s.side,
          onMoves: showMoves,
          onMove,
          onApplied: () => void s.act.refreshAssignments(true),
        },
        (state) => (hook.plan = state),
      );
      page.toolRebalance.addEventListener('click', onTool);
      s.store.subscribe(['ready'], (state) => {
        if (state.ready && state.movesShown) draw();
      });
    },
    unmount: () => page.toolRebalance.removeEventListener('click', onTool),
  };
}
