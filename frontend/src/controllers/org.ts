// An organization: its popup on the map (with 联系走访 and 上报诉求) and its
// panel in the side panel (liaison, contacts and visits).
import { canLogContacts } from '../contacts';
import { text } from '../i18n';
import { orgPopup } from '../layers/organizations';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { createOrgPanel, type OrgPanel } from '../orgpanel';
import type { PopupAction, PopupContent } from '../popup';
import { canReport } from '../requests';
import { setPanelOpen } from '../shell';
import type { OrgFeature } from '../api';

export function orgController(): Controller {
  let shell: MapShell;
  let panel: OrgPanel;

  function create(): OrgPanel {
    const { api, user, side, store, act } = shell;
    return createOrgPanel({
      api,
      user,
      side,
      org: (id) => store.get().orgById.get(id),
      reloadOrg: async (id) => {
        // A read: its panel opens (held even while clusters are shown).
        await shell.data.reloadOrg(id, { keep: true });
        shell.data.showCounts();
        return store.get().orgById.get(id) ?? null;
      },
      liaisons: (fresh) => shell.liaisons(fresh),
      gridName: (id) => store.get().gridById.get(id)?.properties.name,
      onContactLogged: (entry) => act.markOwn('contact', entry.id, entry.kind),
      onLiaisonChanged: () => void act.refreshAssignments(),
      onLocate: (id) => showOrg(id),
      editSection: (org, reshow) => act.orgEditSection(org, reshow),
    });
  }

  /** Opens an organization's panel (liaison, contacts) and brings it into view. */
  function openOrg(id: number, notice?: string): void {
    shell.popup.remove();
    setPanelOpen(false);
    const shown = panel.show(id, notice);
    shell.map.resize();
    const org = shell.store.get().orgById.get(id);
    if (org) shell.flyTo(org.geometry.coordinates as [number, number]);
    else {
      // Not in view in a large scope: the panel loads it, then the map goes there.
      void shown.then(() => {
        const loaded = shell.store.get().orgById.get(id);
        if (loaded && panel.orgId() === id) shell.flyTo(loaded.geometry.coordinates as [number, number]);
      });
    }
  }

  function showOrg(orgId: number): void {
    const org = shell.store.get().orgById.get(orgId);
    if (!org) {
      // A large scope holds only the organizations in view: load this one
      // first, for its popup (a read: the tiles stay as they are).
      void shell.data.reloadOrg(orgId, { keep: true }).then(() => {
        const loaded = shell.store.get().orgById.get(orgId);
        if (loaded) showOrg(orgId);
      }, (err: unknown) => console.warn('gridgis: loading an organization failed', err));
      return;
    }
    const at = org.geometry.coordinates as [number, number];
    shell.flyTo(at);
    shell.showPopup(at, popupContent(org));
  }

  function popupContent(org: OrgFeature): PopupContent {
    const { user, store, act } = shell;
    const content = orgPopup(org.properties, store.get().gridById.get(org.properties.grid_id)?.properties.name);
    const actions: PopupAction[] = [
      {
        label: canLogContacts(user.role) ? '联系走访' : '联系记录',
        name: 'org',
        secondary: canReport(user.role),
        onClick: () => openOrg(org.id),
      },
    ];
    if (canReport(user.role)) {
      actions.push({ label: text.request.report, name: 'report', onClick: () => act.report({ id: org.id, name: org.properties.name }) });
    }
    return { ...content, actions };
  }

  return {
    mount(s) {
      shell = s;
      panel = create();
      s.provide('openOrg', openOrg);
      s.provide('showOrg', showOrg);
      s.provide('orgPopup', popupContent);
      s.on('reloaded', (r) => {
        const shown = panel.orgId();
        if (shown !== null && (r.all || r.orgs.has(shown))) void panel.refresh(shown, '该组织刚刚有新的联系走访记录，已自动刷新');
      });
    },
  };
}
