// The liaison layer: liaison bases and assignment lines, loaded when the
// legend asks for them or a plan's moves are drawn, and again after an
// assignment changed.
import type { AssignmentFeature, LiaisonFeature } from '../api';
import { setLiaisonData, setLiaisonsVisible } from '../layers/liaisons';
import type { Controller, MapShell } from '../mapshell/mapshell';

export function liaisonsController(): Controller {
  let shell: MapShell;
  let layer: { liaisons: LiaisonFeature[]; assignments: AssignmentFeature[] } | null = null;

  /** Shows (loading first) the liaison bases while the legend asks for them or plan moves are drawn. */
  async function show(): Promise<void> {
    const { map, signal, store, api } = shell;
    const bases = store.get().liaisonsOn || store.get().movesShown;
    if (bases && !layer) {
      try {
        const [ls, as] = await Promise.all([shell.liaisons(), api.assignments({ signal })]);
        if (signal.aborted) return;
        layer = { liaisons: ls, assignments: as };
        setLiaisonData(map, ls, as);
      } catch (err) {
        if (signal.aborted) return;
        console.warn('gridgis: loading liaisons failed', err);
        return;
      }
    }
    const { liaisonsOn, movesShown } = store.get();
    setLiaisonsVisible(map, liaisonsOn || movesShown, liaisonsOn);
  }

  /** After an assignment changed: organizations, liaisons and their lines again. */
  async function refresh(all = false): Promise<void> {
    shell.forgetLiaisons();
    layer = null;
    try {
      if (all) {
        await shell.data.reloadAll();
      }
      await show();
    } catch (err) {
      if (!shell.aborted) console.warn('gridgis: reloading after an assignment change failed', err);
    }
  }

  return {
    mount(s) {
      shell = s;
      s.provide('showLiaisonLayer', show);
      s.provide('refreshAssignments', refresh);
    },
  };
}
