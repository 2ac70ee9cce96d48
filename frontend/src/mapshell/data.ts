// The map's data and layers: the first load (grids, organizations, open
// requests, basemap), the reloads that live updates and this page's own
// changes ask for, and the status line and test hook that follow them.
import * as maplibregl from 'maplibre-gl';
import type { Api, BasemapChoice, GridFeature, OrgFeature, RequestFeature } from '../api';
import { NO_BASEMAP, initialBasemap, setBasemap } from '../basemap';
import { BasemapControl } from '../basemapcontrol';
import { fromDatum, toDatum } from '../gcj';
import { LocateControl } from '../locate';
import { mapDatum, setVisible } from '../layers/sources';
import { fitToBBox } from '../map';
import { hook } from '../hook';
import { fetchMapData, takePrefetch } from '../prefetch';
import { countsLine, errorMessage, kindLabel, largeCountsLine, orgKinds, text } from '../i18n';
import { GRID_LABEL_LAYER, addGridLayers, setGridData } from '../layers/grids';
import { BASE_LAYERS, BASE_SOURCE, addBaseLayer } from '../layers/roads';
import { addChoroplethLayers, setChoropleth } from '../layers/choropleth';
import { addGapLayers } from '../layers/gaps';
import { addLiaisonLayers } from '../layers/liaisons';
import { addMoveLayers } from '../layers/moves';
import { ORG_LAYER, addOrgLayers, countByKind, setOrgData, setOrgEmphasis } from '../layers/organizations';
import { VIEW_LIMIT, addClusterLayers, scopeSize } from '../layers/orgtiles';
import { OrgView } from './orgview';
import { applyOrgReload, type ReloadOptions } from './orgreload';
import { REQUEST_HALO_LAYER, addRequestLayers, setRequestData, setSelectedRequest } from '../layers/requests';
import { gridEmphasis, mapScope } from '../scope';
import { setStatus, shell as page } from '../shell';
import { gridColors } from '../theme';
import type { MapShell } from './mapshell';

export class MapData {
  /** Titles outlive the open list, so a toast can name a request just closed. */
  readonly titles = new Map<number, string>();
  /**
   * A large scope (above the server's map_tiles_above): the organizations
   * are not loaded whole; the view draws clusters from tiles and loads
   * those in view (orgview.ts). Null for an ordinary scope.
   */
  large: { total: number; view: OrgView } | null = null;

  constructor(private readonly shell: MapShell) {
    const { store } = shell;
    store.subscribe(['choropleth'], () => this.paintChoropleth());
    store.subscribe(['overdueOn'], () => this.emphasiseOrgs());
  }

  private get map() {
    return this.shell.map;
  }

  private get api(): Api {
    return this.shell.api;
  }

  setGrids(grids: GridFeature[]): void {
    this.shell.store.set({ grids, gridById: new Map(grids.map((g) => [g.id, g])) });
  }

  setOrgs(orgs: OrgFeature[]): void {
    this.shell.store.set({ orgs, orgById: new Map(orgs.map((o) => [o.id, o])) });
  }

  setRequests(requests: RequestFeature[]): void {
    this.shell.store.set({ requests, requestById: new Map(requests.map((r) => [r.id, r])) });
    for (const r of requests) this.titles.set(r.id, r.properties.title);
  }

  /** Loads and draws everything; a failure shows in the status line and the legend. */
  start(): void {
    this.load().catch((err: unknown) => {
      const { shell } = this;
      // Signing out (or an expired session) aborts the load: not an error.
      if (shell.aborted) return;
      shell.abort();
      const message = errorMessage(err);
      setStatus(message, 'error', err instanceof Error ? err.message : String(err));
      hook.error = message;
      const empty = document.createElement('p');
      empty.className = 'legend-empty';
      empty.textContent = text.noMapData;
      page.legend.replaceChildren(empty);
      console.error('gridgis: loading the map failed', err);
    });
  }

  private async load(): Promise<void> {
    const { shell, map, api } = this;
    const { signal, store } = shell;
    // Asked for while the map code loaded (prefetch.ts), or now.
    const first = takePrefetch(shell.user.id, signal) ?? fetchMapData(api, signal, showOrgsLoading, shell.user);
    const [config, gridList, orgList, requestList] = await Promise.all([
      first.config,
      first.grids,
      first.organizations,
      first.requests,
      shell.loaded,
    ]);
    if (signal.aborted) return;
    this.setGrids(gridList.grids);
    // null: a large scope, not loaded whole (prefetch.ts).
    this.setOrgs(orgList ?? []);
    this.setRequests(requestList);
    if (orgList === null) {
      const limit = Math.min(VIEW_LIMIT, config.mapTilesAbove);
      const view = new OrgView(map, api, signal, (orgs) => this.showView(orgs), limit);
      this.large = { total: scopeSize(shell.user, gridList, config.mapTilesAbove).total, view };
      view.state.total = this.large.total;
      hook.orgView = view.state;
    }

    const { user, grids, orgs, requests } = store.get();
    const scope = mapScope(user, grids, orgs);
    store.set({ scope });
    // The basemap first: its datum is the one the data layers are drawn in.
    const basemap = initialBasemap(config.basemaps);
    hook.basemap = setBasemap(map, basemap);
    hook.basemapId = basemap?.id ?? NO_BASEMAP;
    this.showBaseLayer(!hook.basemap);
    this.addMapControls(config.basemaps, basemap);
    addGridLayers(map, grids, gridColors(grids), (id) => gridEmphasis(scope, id));
    addChoroplethLayers(map, GRID_LABEL_LAYER);
    addOrgLayers(map, orgs, GRID_LABEL_LAYER);
    // Above the grid labels (a cluster's count matters more), under the requests added next.
    if (this.large) addClusterLayers(map);
    addRequestLayers(map, requests);
    addLiaisonLayers(map, ORG_LAYER, REQUEST_HALO_LAYER);
    addMoveLayers(map, ORG_LAYER);
    addGapLayers(map, REQUEST_HALO_LAYER);
    if (scope.focus) fitToBBox(map, scope.focus);
    this.large?.view.start();
    shell.drawn();
    this.showCounts();
    store.set({ ready: true });
    const { selectedRequest, choropleth } = store.get();
    if (selectedRequest !== null) setSelectedRequest(map, selectedRequest, null);
    if (choropleth) this.paintChoropleth();

    // Ready once the data has been drawn and the labels placed.
    await new Promise<void>((resolve) => map.once('idle', () => resolve()));
    if (signal.aborted) return;
    shell.idle();
    hook.ready = true;
  }

  /**
   * The zone's own streets and place names (WGS84 vector tiles) stand in
   * for a basemap when none is drawn, and are hidden under one.
   */
  private showBaseLayer(on: boolean): void {
    const { map } = this;
    if (on) hook.base = addBaseLayer(map);
    else hook.base = undefined;
    if (map.getSource(BASE_SOURCE)) setVisible(map, BASE_LAYERS, on);
  }

  /** The 底图 chooser (when the server offers basemaps, with their credits) and 定位. */
  private addMapControls(choices: BasemapChoice[], start: BasemapChoice | null): void {
    const { map } = this;
    if (choices.length > 0) {
      map.addControl(new BasemapControl(choices, start?.id ?? NO_BASEMAP, (c) => this.switchBasemap(c)), 'top-right');
      map.addControl(new maplibregl.AttributionControl({ compact: true }), 'bottom-right');
    }
    const locate = new LocateControl();
    map.addControl(locate, 'top-right');
    hook.located = () => locate.drawn();
  }

  /**
   * Draws another basemap (null: none). Over one of another datum every
   * feature moves; the view moves with it, so the same places stay in view.
   */
  switchBasemap(choice: BasemapChoice | null): void {
    const { map, shell } = this;
    const before = mapDatum(map);
    const after = choice?.datum ?? 'wgs84';
    const c = map.getCenter();
    hook.basemap = setBasemap(map, choice);
    hook.basemapId = choice?.id ?? NO_BASEMAP;
    this.showBaseLayer(!hook.basemap);
    if (before !== after) {
      map.jumpTo({ center: toDatum(after, fromDatum(before, [c.lng, c.lat])) });
      shell.popup.remove(); // placed at the old position
      // New data may drop feature state: mark the open request again.
      const { selectedRequest } = shell.store.get();
      if (selectedRequest !== null) setSelectedRequest(map, selectedRequest, null);
    }
  }

  async reloadRequests(): Promise<void> {
    const { signal, store } = this.shell;
    const next = await this.api.requests({ status: 'open', signal });
    if (signal.aborted) return;
    this.setRequests(next);
    setRequestData(this.map, next);
    // New data drops feature state: mark the open request again.
    const { selectedRequest } = store.get();
    if (selectedRequest !== null) setSelectedRequest(this.map, selectedRequest, null);
  }

  /**
   * Reads organization id again and updates the map (orgreload.ts): after
   * this page's own change (wrote) a large scope's tiles are asked again on
   * the next move; keep holds it while clusters are shown (its popup or
   * panel opens). Answers what the server sent (null: gone from the scope).
   */
  async reloadOrg(id: number, opts: ReloadOptions = {}): Promise<OrgFeature | null> {
    const { signal, store } = this.shell;
    let org: OrgFeature | null;
    try {
      org = await this.api.organization(id, signal);
    } catch (err) {
      // Gone from this user's scope (or deleted): drop it from the map.
      if ((err as { status?: number }).status !== 404) throw err;
      org = null;
    }
    if (signal.aborted) return null;
    const r = applyOrgReload(store.get().orgs, id, org, this.large !== null, opts);
    if (r.forgetTiles) this.orgWritten();
    if (r.orgs) {
      this.setOrgs(r.orgs);
      setOrgData(this.map, r.orgs);
    }
    return org;
  }

  /** This page changed an organization: a large scope's tiles are asked again on the next move. */
  orgWritten(): void {
    this.large?.view.forget();
  }

  async reloadAll(): Promise<void> {
    const { signal, store } = this.shell;
    if (this.large) return this.reloadLarge();
    const [gridList, orgList] = await Promise.all([this.api.grids(signal), this.api.organizations({ signal }), this.reloadRequests()]);
    if (signal.aborted) return;
    this.setGrids(gridList);
    this.setOrgs(orgList);
    const { grids, orgs, scope, choropleth } = store.get();
    setGridData(this.map, grids, gridColors(grids), (id) => gridEmphasis(scope!, id));
    setOrgData(this.map, orgs);
    if (choropleth) setChoropleth(this.map, grids, choropleth);
    this.shell.emit('redrawn');
    this.emphasiseOrgs();
    this.showCounts();
  }

  /** A large scope's reload: grids and requests whole, the organizations in view again. */
  private async reloadLarge(): Promise<void> {
    const { signal, store, user } = this.shell;
    const [gridList, config] = await Promise.all([this.api.gridList(signal), this.api.config(signal), this.reloadRequests()]);
    if (signal.aborted || !this.large) return;
    this.setGrids(gridList.grids);
    this.large.total = this.large.view.state.total = scopeSize(user, gridList, config.mapTilesAbove).total;
    const { grids, scope, choropleth } = store.get();
    setGridData(this.map, grids, gridColors(grids), (id) => gridEmphasis(scope!, id));
    if (choropleth) setChoropleth(this.map, grids, choropleth);
    this.large.view.refresh();
    this.shell.emit('redrawn');
    this.emphasiseOrgs();
    this.showCounts();
  }

  /** A large scope's view changed: its organizations (null: clusters shown; undefined: the same) and counts. */
  private showView(orgs: OrgFeature[] | null | undefined): void {
    if (orgs !== undefined) {
      this.setOrgs(orgs ?? []);
      setOrgData(this.map, orgs ?? []);
    }
    this.showCounts();
  }

  /** Status line, test hook and (through the counts event) the lists and legend counts after the data changed. */
  showCounts(): void {
    const { grids, orgs, requests, scope } = this.shell.store.get();
    const kinds = countByKind(orgs);
    const breakdown = orgKinds.map((k) => `${kindLabel(k)} ${kinds.get(k) ?? 0}`).join(' / ');
    const { large } = this;
    if (large) {
      const { mode, inView } = large.view.state;
      setStatus(largeCountsLine(grids.length, mode === 'orgs' ? inView : null, inView, large.total, requests.length), 'ok', mode === 'orgs' ? `视野内：${breakdown}` : '');
    } else setStatus(countsLine(grids.length, orgs.length, requests.length), 'ok', breakdown);
    this.shell.emit('counts');
    hook.gridCount = grids.length;
    hook.orgCount = orgs.length;
    hook.requestCount = requests.length;
    hook.gridNames = grids.map((g) => g.properties.name);
    hook.grids = grids.map((g) => ({
      id: g.id,
      code: g.properties.code,
      name: g.properties.name,
      org_count: g.properties.org_count,
      mine: scope!.ownGridIds.has(g.id),
    }));
    hook.orgGridIds = () => this.shell.store.get().orgs.map((o) => o.properties.grid_id);
  }

  private paintChoropleth(): void {
    const { ready, grids, choropleth } = this.shell.store.get();
    if (!ready) return;
    setChoropleth(this.map, grids, choropleth);
    this.emphasiseOrgs();
  }

  private emphasiseOrgs(): void {
    const { overdueOn, choropleth } = this.shell.store.get();
    setOrgEmphasis(this.map, { overdue: overdueOn, dim: choropleth !== null });
  }
}

/** The status line while organizations arrive page by page. */
function showOrgsLoading(loaded: number): void {
  setStatus(text.loadingOrgs(loaded), 'loading');
}
