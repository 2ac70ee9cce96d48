// The request panel in the side panel: one request with its progress and
// actions, or the report form. Opens from badges, the 待办诉求 list, toasts.
import { hook } from '../hook';
import { setSelectedRequest } from '../layers/requests';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { createDetailPanel, type DetailPanel } from '../requestpanel';
import { openLoads } from '../requests';
import { setPanelOpen } from '../shell';

/** How long a change this page made is recognised when its live event comes back. */
export const OWN_CHANGE_MS = 60_000;

export function requestController(): Controller {
  let detail: DetailPanel;

  function create(shell: MapShell): DetailPanel {
    const { api, user, side, store, act, map } = shell;
    return createDetailPanel({
      api,
      user,
      side,
      liaisons: () => shell.liaisons(),
      orgLiaisonId: (orgId) => store.get().orgById.get(orgId)?.properties.liaison_id ?? null,
      openLoads: () => openLoads(store.get().requests),
      onChanged: (change) => {
        act.markOwn('request', change.requestId, change.action);
        // Not waiting for the live event: the page that acted updates at once.
        act.reload({ requests: true, org: change.orgId });
      },
      onShown: (id, d) => {
        const { ready, selectedRequest } = store.get();
        if (ready) setSelectedRequest(map, id, selectedRequest);
        store.set({ selectedRequest: id });
        if (d) shell.data.titles.set(d.id, d.title);
        hook.detail = d ? { id: d.id, status: d.status, version: d.version, events: d.events.length, actions: [...d.actions] } : null;
      },
      onOrg: (orgId) => act.showOrg(orgId),
    });
  }

  /** Opens a request in the side panel and brings it into view. */
  function openRequest(shell: MapShell, id: number): void {
    shell.popup.remove();
    setPanelOpen(false); // the bottom sheet would cover the map on a phone
    void detail.showRequest(id);
    // The panel has taken its column: size the map now, so the request
    // lands in the middle of what is left.
    shell.map.resize();
    const r = shell.store.get().requestById.get(id);
    if (r) shell.flyTo(r.geometry.coordinates as [number, number]);
  }

  return {
    mount(shell) {
      detail = create(shell);
      shell.provide('openRequest', (id) => openRequest(shell, id));
      shell.provide('report', (org) => {
        shell.popup.remove();
        setPanelOpen(false);
        detail.showReport(org);
      });
      shell.provide('panelRequestId', () => detail.requestId());
      shell.on('reloaded', (r) => {
        const open = detail.requestId();
        if (open !== null && (r.panel || r.all)) void detail.refresh(open, r.panelNotice);
      });
    },
    unmount: () => detail.destroy(),
  };
}
