// The map screen for one signed-in user: load config, grids, the
// organizations and open requests the server lets this user see, draw
// them, fit the view to the user's scope and wire the interactions: popups,
// the request panel, the 待办诉求 list and live updates. Torn down on
// sign-out, so the next user starts from a fresh map.
import * as maplibregl from 'maplibre-gl';
import type { Api, AppConfig, AssignmentFeature, GridFeature, LiaisonFeature, MoveFeature, OrgFeature, RequestFeature } from './api';
import { addBasemap } from './basemap';
import { el } from './dom';
import { bboxOf } from './geometry';
import { emptyMapState, hook } from './hook';
import { countsLine, errorMessage, kindLabel, orgKinds, statusLabel, text } from './i18n';
import {
  GRID_FILL_LAYER,
  GRID_LABEL_LAYER,
  addGridLayers,
  gridLabelFeatures,
  gridPopupRows,
  setGridData,
  setGridHover,
} from './layers/grids';
import { addChoroplethLayers, setChoropleth, type ChoroplethEntry } from './layers/choropleth';
import { GAP_LAYER, addGapLayers, setGaps, setSelectedGap } from './layers/gaps';
import { addLiaisonLayers, setLiaisonData, setLiaisonsVisible } from './layers/liaisons';
import { addMoveLayers, setMoves, setSelectedMove } from './layers/moves';
import { ORG_LAYER, addOrgLayers, countByKind, orgPopup, setOrgData, setOrgEmphasis, setVisibleKinds } from './layers/organizations';
import {
  BADGE_OFFSET,
  REQUEST_HALO_LAYER,
  REQUEST_LAYER,
  SLA_ORDER,
  addRequestLayers,
  countBySla,
  setRequestData,
  setSelectedRequest,
  setVisibleSla,
} from './layers/requests';
import { markSelectedGrid, renderLegend, updateOverdueCounts, updateRequestCounts } from './legend';
import { canLogContacts, countOverdue, isOverdue } from './contacts';
import { createOrgPanel } from './orgpanel';
import { createRebalancePanel } from './rebalancepanel';
import { moveOrgPoint } from './rebalance';
import { createSidePanel } from './sidepanel';
import { createStatsView } from './statsview';
import { createCoverageView } from './coverageview';
import { LiveFeed, decide, toastMessages, type LiveEvent, type LiveToast } from './live';
import { createMap, fitToBBox } from './map';
import { renderPopup, type PopupAction, type PopupContent } from './popup';
import { createDetailPanel } from './requestpanel';
import { canReport } from './requests';
import { gridEmphasis, mapScope, scopeNote, type MapScope } from './scope';
import type { User } from './session';
import { resetShell, setPanelOpen, setPanelTab, setStatus, shell, showTools } from './shell';
import { gridColors } from './theme';
import { createToaster } from './toast';
import { markSelectedTodo, renderTodo } from './todo';

export interface MapScreen {
  /** Cancels loading, closes the live stream, removes the map and clears the panel. */
  destroy(): void;
}

/** Pixels of slack around a click for request badges (organization dots get more). */
const REQUEST_SLACK = 3;
/** Live events are acted on in batches, this long after the first of a burst. */
const LIVE_BATCH_MS = 300;
/** How long a change this page made is recognised when its live event comes back. */
const OWN_CHANGE_MS = 60_000;
/** Waits before reopening a live stream the server closed, doubling up to the last. */
const LIVE_RETRY_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

export function openMap(user: User, api: Api): MapScreen {
  resetShell();
  Object.assign(hook, emptyMapState());

  const { map, loaded } = createMap(shell.map);
  const popup = new maplibregl.Popup({ maxWidth: '340px', offset: 8, className: 'gridgis-popup' });
  // Cancels the remaining requests once one has failed or the user has left.
  const loading = new AbortController();
  const { signal } = loading;

  // What the map holds now; live updates replace parts of it.
  let grids: GridFeature[] = [];
  let orgs: OrgFeature[] = [];
  let requests: RequestFeature[] = [];
  let gridById = new Map<number, GridFeature>();
  let orgById = new Map<number, OrgFeature>();
  let requestById = new Map<number, RequestFeature>();
  // Titles outlive the open list, so a toast can name a request just closed.
  const titles = new Map<number, string>();
  let scope: MapScope | null = null;
  let ready = false;
  // The legend's toggles, kept across its re-rendering.
  let overdueOn = false;
  let liaisonsOn = false;
  // Liaison bases and assignment lines, loaded when first shown.
  let liaisonLayer: { liaisons: LiaisonFeature[]; assignments: AssignmentFeature[] } | null = null;
  /** Plan moves drawn: liaison bases show with them. */
  let movesShown = false;
  let selectedMove: number | null = null;
  /** The stats dock's height: views are fitted above it. */
  let dockHeight = 0;

  hook.renderedLabels = () => [
    ...new Set(map.queryRenderedFeatures({ layers: [GRID_LABEL_LAYER] }).map((f) => String(f.properties.name))),
  ];
  hook.orgScreenPoint = (gridId) => orgNearCentre(map, gridId);
  hook.requestIds = () => requests.map((r) => r.id);
  hook.requestScreenPoint = (id) => requestScreenPoint(map, requestById.get(id));
  hook.overdueOrgIds = (kind) =>
    orgs
      .filter((o) => (kind === 'visit' ? o.properties.visit_overdue : kind === 'contact' ? o.properties.contact_overdue : isOverdue(o.properties)))
      .map((o) => o.id);
  hook.org = (id) => {
    const p = orgById.get(id)?.properties;
    return p ? { name: p.name, liaison_id: p.liaison_id, contact_overdue: Boolean(p.contact_overdue), visit_overdue: Boolean(p.visit_overdue) } : null;
  };
  hook.orgPoint = (id) => orgPoint(map, orgById.get(id));

  const showPopup = (at: maplibregl.LngLatLike, content: PopupContent) => {
    popup.setLngLat(at).setDOMContent(renderPopup(content)).addTo(map);
  };

  // ---- the request panel -------------------------------------------------

  let liaisons: Promise<LiaisonFeature[]> | null = null;
  const liaisonList = (fresh = false): Promise<LiaisonFeature[]> => {
    if (fresh) liaisons = null;
    liaisons ??= api.liaisons(signal).catch((err: unknown) => {
      liaisons = null; // try again next time
      throw err;
    });
    return liaisons;
  };
  const own = new Map<string, number>();
  const ownKey = (type: string, id: number, action: string) => `${type}:${id}:${action}`;
  let selectedRequest: number | null = null;

  const side = createSidePanel();
  const detail = createDetailPanel({
    api,
    user,
    side,
    liaisons: () => liaisonList(),
    orgLiaisonId: (orgId) => orgById.get(orgId)?.properties.liaison_id ?? null,
    onChanged: (change) => {
      own.set(ownKey('request', change.requestId, change.action), Date.now() + OWN_CHANGE_MS);
      // Not waiting for the live event: the page that acted updates at once.
      queue({ requests: true, org: change.orgId });
    },
    onShown: (id, d) => {
      if (ready) setSelectedRequest(map, id, selectedRequest);
      selectedRequest = id;
      markSelectedTodo(shell.todo, id);
      if (d) titles.set(d.id, d.title);
      hook.detail = d ? { id: d.id, status: d.status, version: d.version, events: d.events.length, actions: [...d.actions] } : null;
    },
    onOrg: (orgId) => showOrg(orgId),
  });
  const toaster = createToaster(shell.toasts, (id) => openRequest(id));
  hook.toasts = () => toaster.texts();

  const orgPanel = createOrgPanel({
    api,
    user,
    side,
    org: (id) => orgById.get(id),
    reloadOrg: async (id) => {
      await reloadOrg(id);
      showCounts();
      return orgById.get(id) ?? null;
    },
    liaisons: (fresh) => liaisonList(fresh),
    gridName: (id) => gridById.get(id)?.properties.name,
    onContactLogged: (entry) => own.set(ownKey('contact', entry.id, entry.kind), Date.now() + OWN_CHANGE_MS),
    onLiaisonChanged: () => void refreshAssignments(),
    onLocate: (id) => showOrg(id),
  });

  /** Opens an organization's panel (liaison, contacts) and brings it into view. */
  function openOrg(id: number): void {
    popup.remove();
    setPanelOpen(false);
    void orgPanel.show(id);
    map.resize();
    const org = orgById.get(id);
    if (org) flyTo(org.geometry.coordinates as [number, number]);
  }

  const rebalance =
    user.role === 'admin' || user.role === 'planner'
      ? createRebalancePanel(
          {
            api,
            user,
            side,
            onMoves: (moves, visible) => showMoves(moves, visible),
            onMove: (m) => {
              setSelectedMove(map, m.properties.org_id, selectedMove);
              selectedMove = m.properties.org_id;
              const at = moveOrgPoint(m);
              if (!at) return;
              flyTo(at);
              const org = orgById.get(m.properties.org_id);
              if (org) showPopup(at, orgPopupContent(org));
            },
            onApplied: () => void refreshAssignments(true),
          },
          (s) => (hook.plan = s),
        )
      : null;

  const statsView =
    user.role === 'admin' || user.role === 'planner' || user.role === 'officer'
      ? createStatsView(
          {
            api,
            onChoropleth: (entries) => paintChoropleth(entries),
            onLayout: (h) => onDockLayout(h),
            onGrid: (id) => fitGrid(id),
            onOpen: () => coverageView.close(),
          },
          (s) => (hook.stats = s),
        )
      : null;

  // Coverage aggregates are for every role; the gap list is scoped by the server.
  let gapOrgs: OrgFeature[] | null = null;
  let gapById = new Map<number, OrgFeature>();
  let selectedGap: number | null = null;
  const coverageView = createCoverageView(
    {
      api,
      onChoropleth: (entries) => paintChoropleth(entries),
      onLayout: (h) => onDockLayout(h),
      onGrid: (id) => fitGrid(id),
      onGaps: (list) => showGaps(list),
      onGap: (org) => {
        if (ready) setSelectedGap(map, org.id, selectedGap);
        selectedGap = org.id;
        const at = org.geometry.coordinates as [number, number];
        flyTo(at);
        showPopup(at, orgPopupContent(orgById.get(org.id) ?? org));
      },
      onOpen: () => statsView?.close(),
    },
    (s) => (hook.coverage = s),
  );
  showTools({ stats: statsView !== null, rebalance: rebalance !== null, coverage: true });

  /** A dock opened (its height), resized or closed (0): the first opening fits the scope above it. */
  function onDockLayout(h: number): void {
    const opened = dockHeight === 0 && h > 0;
    dockHeight = h;
    if (opened && scope?.focus) fitAbove(scope.focus);
  }

  /** Fits a grid into the part of the map the dock leaves. */
  function fitGrid(id: number): void {
    const grid = gridById.get(id);
    const bbox = grid ? bboxOf([grid.geometry]) : null;
    if (bbox) fitAbove(bbox);
  }

  /** Draws the gap organizations of the coverage dock's list (null: none). */
  function showGaps(list: OrgFeature[] | null): void {
    gapOrgs = list;
    gapById = new Map((list ?? []).map((o) => [o.id, o]));
    selectedGap = null;
    if (!ready) return;
    setGaps(map, list);
  }
  const onRebalanceTool = () => {
    if (!rebalance) return;
    if (rebalance.isOpen()) rebalance.close();
    else {
      popup.remove();
      setPanelOpen(false);
      void rebalance.open();
    }
  };
  shell.toolRebalance.addEventListener('click', onRebalanceTool);

  let choropleth: Map<number, ChoroplethEntry> | null = null;
  function paintChoropleth(entries: Map<number, ChoroplethEntry> | null): void {
    choropleth = entries;
    if (!ready) return;
    setChoropleth(map, grids, entries);
    emphasiseOrgs();
  }

  function emphasiseOrgs(): void {
    setOrgEmphasis(map, { overdue: overdueOn, dim: choropleth !== null });
  }

  /** Fits a box into the part of the map the stats dock leaves. */
  function fitAbove(bbox: [number, number, number, number]): void {
    map.fitBounds(
      [
        [bbox[0], bbox[1]],
        [bbox[2], bbox[3]],
      ],
      { padding: { top: 40, left: 40, right: 40, bottom: dockHeight + 30 }, maxZoom: 16, duration: 500 },
    );
  }

  let planMoves: MoveFeature[] = [];
  function showMoves(moves: MoveFeature[] | null, visible: boolean): void {
    planMoves = moves ?? [];
    movesShown = moves !== null && visible;
    selectedMove = null;
    hook.moveLines = movesShown ? planMoves.length : 0;
    if (!ready) return; // drawn once the map is
    setMoves(map, planMoves, movesShown);
    void showLiaisonLayer();
  }

  /** Shows (loading first) the liaison bases while the legend asks for them or plan moves are drawn. */
  async function showLiaisonLayer(): Promise<void> {
    const bases = liaisonsOn || movesShown;
    if (bases && !liaisonLayer) {
      try {
        const [ls, as] = await Promise.all([liaisonList(), api.assignments({ signal })]);
        if (signal.aborted) return;
        liaisonLayer = { liaisons: ls, assignments: as };
        setLiaisonData(map, ls, as);
      } catch (err) {
        if (signal.aborted) return;
        console.warn('gridgis: loading liaisons failed', err);
        return;
      }
    }
    setLiaisonsVisible(map, liaisonsOn || movesShown, liaisonsOn);
  }

  /** After an assignment changed: organizations, liaisons and their lines again. */
  async function refreshAssignments(all = false): Promise<void> {
    liaisons = null;
    liaisonLayer = null;
    try {
      if (all) {
        await reloadAll();
      }
      await showLiaisonLayer();
    } catch (err) {
      if (!signal.aborted) console.warn('gridgis: reloading after an assignment change failed', err);
    }
  }

  /** Opens a request in the side panel and brings it into view. */
  function openRequest(id: number): void {
    popup.remove();
    setPanelOpen(false); // the bottom sheet would cover the map on a phone
    void detail.showRequest(id);
    // The panel has taken its column: size the map now, so the request
    // lands in the middle of what is left.
    map.resize();
    const r = requestById.get(id);
    if (r) flyTo(r.geometry.coordinates as [number, number]);
  }

  function flyTo(at: [number, number]): void {
    const inView = map.getBounds().contains(at);
    // On a phone the panel is a sheet over the lower part: aim above it.
    const sheet = window.matchMedia('(max-width: 760px)').matches && !shell.detail.hidden;
    const offset: [number, number] = [0, sheet ? -0.36 * map.getContainer().clientHeight : 0];
    map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 14), offset, duration: inView ? 300 : 700 });
  }

  function showOrg(orgId: number): void {
    const org = orgById.get(orgId);
    if (!org) return;
    const at = org.geometry.coordinates as [number, number];
    flyTo(at);
    showPopup(at, orgPopupContent(org));
  }

  function orgPopupContent(org: OrgFeature): PopupContent {
    const content = orgPopup(org.properties, gridById.get(org.properties.grid_id)?.properties.name);
    const actions: PopupAction[] = [
      {
        label: canLogContacts(user.role) ? '联系走访' : '联系记录',
        name: 'org',
        secondary: canReport(user.role),
        onClick: () => openOrg(org.id),
      },
    ];
    if (canReport(user.role)) {
      actions.push({
        label: text.request.report,
        name: 'report',
        onClick: () => {
          popup.remove();
          setPanelOpen(false);
          detail.showReport({ id: org.id, name: org.properties.name });
        },
      });
    }
    return { ...content, actions };
  }

  /** A popup listing the requests under one click, to choose from. */
  function requestChooser(ids: number[]): HTMLElement {
    const root = el('div', 'popup');
    const head = el('div', 'popup-head');
    head.append(el('h3', 'popup-title', text.request.pick(ids.length)));
    const list = el('ul', 'pick-list');
    for (const id of ids) {
      const r = requestById.get(id);
      if (!r) continue;
      const b = el('button', 'pick-item');
      b.type = 'button';
      b.dataset.requestId = String(id);
      b.dataset.sla = r.properties.sla;
      b.append(el('span', 'todo-dot'), el('span', 'pick-title', r.properties.title), el('span', 'pick-status', statusLabel(r.properties.status)));
      b.addEventListener('click', () => openRequest(id));
      const li = el('li');
      li.append(b);
      list.append(li);
    }
    root.append(head, list);
    return root;
  }

  // ---- drawing and interactions -------------------------------------------

  function clickBox(p: maplibregl.Point, r = 6): [maplibregl.PointLike, maplibregl.PointLike] {
    // A few pixels of slack so small dots are easy to hit, also by finger.
    return [
      [p.x - r, p.y - r],
      [p.x + r, p.y + r],
    ];
  }

  let hovered: number | null = null;
  const hover = (id: number | null) => {
    if (id === hovered) return;
    setGridHover(map, id, hovered);
    hovered = id;
  };

  function wireInteractions(): void {
    map.on('click', (e) => {
      const box = clickBox(e.point);
      // Less slack for the badges: a click on the dot below one is for the organization.
      const requestIds = [...new Set(map.queryRenderedFeatures(clickBox(e.point, REQUEST_SLACK), { layers: [REQUEST_LAYER] }).map((f) => Number(f.id)))].filter((id) =>
        requestById.has(id),
      );
      if (requestIds.length === 1) {
        openRequest(requestIds[0]);
        return;
      }
      if (requestIds.length > 1) {
        popup.setLngLat(e.lngLat).setDOMContent(requestChooser(requestIds)).addTo(map);
        return;
      }
      const orgHit = map.queryRenderedFeatures(box, { layers: [GAP_LAYER, ORG_LAYER] })[0];
      const org = orgHit ? (orgById.get(Number(orgHit.id)) ?? gapById.get(Number(orgHit.id))) : undefined;
      if (org) {
        showPopup(org.geometry.coordinates as [number, number], orgPopupContent(org));
        return;
      }
      const gridHit = map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0];
      const grid = gridHit ? gridById.get(Number(gridHit.id)) : undefined;
      if (grid) {
        showPopup(e.lngLat, gridPopupContent(grid));
        markSelectedGrid(shell.legend, grid.id);
      } else {
        popup.remove();
        markSelectedGrid(shell.legend, null);
      }
    });

    map.on('mousemove', (e) => {
      const overPoint = map.queryRenderedFeatures(clickBox(e.point, 3), { layers: [REQUEST_LAYER, ORG_LAYER] }).length > 0;
      const gridHit = map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0];
      map.getCanvas().style.cursor = overPoint || gridHit ? 'pointer' : '';
      hover(gridHit ? Number(gridHit.id) : null);
    });
    map.getCanvas().addEventListener('mouseleave', () => hover(null));
    renderPanel();
  }

  function renderPanel(): void {
    const labelAt = new Map(gridLabelFeatures(grids).map((l) => [l.properties.grid_id, l.geometry.coordinates]));
    renderLegend(
      shell.legend,
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
          const grid = gridById.get(id);
          if (!grid) return;
          setPanelOpen(false); // the bottom sheet would hide the grid on a phone
          const bbox = bboxOf([grid.geometry]);
          if (bbox) fitToBBox(map, bbox, true);
          const at = labelAt.get(id);
          if (at) showPopup(at as [number, number], gridPopupContent(grid));
          markSelectedGrid(shell.legend, id);
        },
        onGridHover: hover,
        onKindsChange: (visible) => setVisibleKinds(map, visible, orgKinds),
        onSlaChange: (visible) => setVisibleSla(map, visible),
        onOverdueChange: (on) => {
          overdueOn = on;
          emphasiseOrgs();
        },
        onLiaisonsChange: (on) => {
          liaisonsOn = on;
          void showLiaisonLayer();
        },
      },
    );
    // A re-rendered legend shows everything again; so must the map.
    setVisibleKinds(map, new Set(orgKinds), orgKinds);
    setVisibleSla(map, new Set(SLA_ORDER));
  }

  /** Status line, to-do list, legend counts and test hook after the data changed. */
  function showCounts(): void {
    const kinds = countByKind(orgs);
    const breakdown = orgKinds.map((k) => `${kindLabel(k)} ${kinds.get(k) ?? 0}`).join(' / ');
    setStatus(countsLine(grids.length, orgs.length, requests.length), 'ok', breakdown);
    renderTodo(shell.todo, requests, Date.now(), (r) => openRequest(r.id));
    markSelectedTodo(shell.todo, selectedRequest);
    shell.todoCount.textContent = requests.length > 0 ? String(requests.length) : '';
    updateRequestCounts(shell.legend, countBySla(requests));
    updateOverdueCounts(shell.legend, countOverdue(orgs));
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
    hook.orgGridIds = () => orgs.map((o) => o.properties.grid_id);
  }

  function setGrids(next: GridFeature[]): void {
    grids = next;
    gridById = new Map(grids.map((g) => [g.id, g]));
  }

  function setOrgs(next: OrgFeature[]): void {
    orgs = next;
    orgById = new Map(orgs.map((o) => [o.id, o]));
  }

  function setRequests(next: RequestFeature[]): void {
    requests = next;
    requestById = new Map(requests.map((r) => [r.id, r]));
    for (const r of requests) titles.set(r.id, r.properties.title);
  }

  async function load(): Promise<void> {
    const [config, gridList, orgList, requestList] = await Promise.all([
      loadConfig(api, signal),
      api.grids(signal),
      api.organizations({ signal }, (n) => {
        if (!signal.aborted) setStatus(text.loadingOrgs(n), 'loading');
      }),
      api.requests({ status: 'open', signal }),
      loaded,
    ]);
    if (signal.aborted) return;
    setGrids(gridList);
    setOrgs(orgList);
    setRequests(requestList);

    scope = mapScope(user, grids, orgs);
    const emphasisOf = (id: number) => gridEmphasis(scope!, id);
    hook.basemap = addBasemap(map, config.basemap);
    addGridLayers(map, grids, gridColors(grids), emphasisOf);
    addChoroplethLayers(map, GRID_LABEL_LAYER);
    addOrgLayers(map, orgs, GRID_LABEL_LAYER);
    addRequestLayers(map, requests);
    addLiaisonLayers(map, ORG_LAYER, REQUEST_HALO_LAYER);
    addMoveLayers(map, ORG_LAYER);
    addGapLayers(map, REQUEST_HALO_LAYER);
    if (scope.focus) fitToBBox(map, scope.focus);
    wireInteractions();
    showCounts();
    ready = true;
    if (selectedRequest !== null) setSelectedRequest(map, selectedRequest, null);
    if (choropleth) paintChoropleth(choropleth);
    if (gapOrgs) setGaps(map, gapOrgs);
    if (movesShown) showMoves(planMoves, true);

    // Ready once the data has been drawn and the labels placed.
    await new Promise<void>((resolve) => map.once('idle', () => resolve()));
    if (signal.aborted) return;
    startLive();
    hook.ready = true;
  }

  // ---- live updates -------------------------------------------------------

  interface Pending {
    all: boolean;
    requests: boolean;
    /** Reload the open request panel too. */
    panel: boolean;
    orgs: Set<number>;
    events: { name: string; event: LiveEvent | null }[];
  }
  let pending: Pending = { all: false, requests: false, panel: false, orgs: new Set(), events: [] };
  let flushTimer: number | undefined;
  let flushing: Promise<void> | null = null;

  function queue(p: { all?: boolean; requests?: boolean; panel?: boolean; org?: number; event?: { name: string; event: LiveEvent | null } }): void {
    if (p.all) pending.all = true;
    if (p.requests) pending.requests = true;
    if (p.panel) pending.panel = true;
    if (p.org) pending.orgs.add(p.org);
    if (p.event) pending.events.push(p.event);
    if (flushTimer === undefined) flushTimer = window.setTimeout(() => void flush(), LIVE_BATCH_MS);
  }

  async function flush(): Promise<void> {
    flushTimer = undefined;
    if (flushing) {
      // One batch at a time; this one goes after it.
      await flushing;
      if (flushTimer === undefined && hasPending()) flushTimer = window.setTimeout(() => void flush(), 0);
      return;
    }
    const batch = pending;
    pending = { all: false, requests: false, panel: false, orgs: new Set(), events: [] };
    flushing = applyBatch(batch).finally(() => (flushing = null));
    await flushing;
  }

  function hasPending(): boolean {
    return pending.all || pending.requests || pending.panel || pending.orgs.size > 0 || pending.events.length > 0;
  }

  async function applyBatch(batch: Pending): Promise<void> {
    // Decided now, not when each event came: by now the answer to this
    // page's own submission has arrived, so its echo is recognised.
    const toasts: LiveToast[] = [];
    let panel = batch.panel;
    let panelNotice: string | undefined;
    const now = Date.now();
    for (const [k, until] of own) if (until < now) own.delete(k);
    for (const { name, event } of batch.events) {
      const d = decide(name, event, {
        openRequestId: detail.requestId(),
        isOwn: (type, id, action) => own.delete(ownKey(type, id, action)),
      });
      batch.all ||= d.reloadAll;
      batch.requests ||= d.reloadRequests;
      if (d.reloadOrg !== null) batch.orgs.add(d.reloadOrg);
      panel ||= d.reloadPanel;
      panelNotice = d.panelNotice ?? panelNotice;
      if (d.toast) toasts.push(d.toast);
    }
    try {
      if (batch.all) await reloadAll();
      else {
        await Promise.all([batch.requests ? reloadRequests() : null, ...[...batch.orgs].map(reloadOrg)]);
        showCounts();
      }
    } catch (err) {
      if (signal.aborted) return;
      console.warn('gridgis: live update failed', err);
      return;
    }
    if (signal.aborted) return;
    const open = detail.requestId();
    if (open !== null && (panel || batch.all)) void detail.refresh(open, panelNotice);
    const shownOrg = orgPanel.orgId();
    if (shownOrg !== null && (batch.all || batch.orgs.has(shownOrg))) void orgPanel.refresh(shownOrg, '该组织刚刚有新的联系走访记录，已自动刷新');
    const orgName = (id: number) => orgById.get(id)?.properties.name;
    for (const m of toastMessages(toasts, (id) => titles.get(id), orgName)) toaster.show(m);
  }

  async function reloadRequests(): Promise<void> {
    const next = await api.requests({ status: 'open', signal });
    if (signal.aborted) return;
    setRequests(next);
    setRequestData(map, requests);
    // New data drops feature state: mark the open request again.
    if (selectedRequest !== null) setSelectedRequest(map, selectedRequest, null);
  }

  async function reloadOrg(id: number): Promise<void> {
    let org: OrgFeature | null;
    try {
      org = await api.organization(id, signal);
    } catch (err) {
      // Gone from this user's scope (or deleted): drop it from the map.
      if ((err as { status?: number }).status !== 404) throw err;
      org = null;
    }
    if (signal.aborted) return;
    const next = orgs.filter((o) => o.id !== id);
    if (org) next.push(org);
    next.sort((a, b) => a.id - b.id);
    setOrgs(next);
    setOrgData(map, orgs);
  }

  async function reloadAll(): Promise<void> {
    const [gridList, orgList] = await Promise.all([api.grids(signal), api.organizations({ signal }), reloadRequests()]);
    if (signal.aborted) return;
    setGrids(gridList);
    setOrgs(orgList);
    setGridData(map, grids, gridColors(grids), (id) => gridEmphasis(scope!, id));
    setOrgData(map, orgs);
    if (choropleth) setChoropleth(map, grids, choropleth);
    hovered = null;
    renderPanel();
    emphasiseOrgs();
    showCounts();
  }

  let feed: LiveFeed | null = null;
  let retry = 0;
  let reconnecting = false;
  let retryTimer: number | undefined;

  function startLive(): void {
    feed = new LiveFeed('/api/v1/events', {
      onEvent: (name, event) => {
        hook.liveEvents++;
        queue({ event: { name, event } });
      },
      onState: (state) => {
        const was = hook.live;
        hook.live = state;
        if (state === 'open') {
          retry = 0;
          // Back after a break: the server replays what it still knows,
          // but a stream that had seen no event yet carries no
          // Last-Event-ID to replay from. The open requests are cheap to
          // fetch again, so fetch them.
          if (was === 'connecting' && reconnecting) queue({ requests: true, panel: true });
          reconnecting = false;
        }
        if (state === 'connecting' && was === 'open') reconnecting = true;
        if (state === 'closed') scheduleLiveRetry();
      },
    });
    feed.open();
  }

  // The server closed the stream for good (an HTTP error): check the
  // session by reloading (a 401 there signs the user out), then reopen.
  function scheduleLiveRetry(): void {
    const wait = LIVE_RETRY_MS[Math.min(retry, LIVE_RETRY_MS.length - 1)];
    retry++;
    console.warn(`gridgis: live updates stopped; retrying in ${wait / 1000} s`);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(async () => {
      if (signal.aborted) return;
      try {
        await reloadAll();
      } catch (err) {
        if (signal.aborted) return;
        console.warn('gridgis: reload before reconnecting failed', err);
      }
      if (!signal.aborted) feed?.open();
    }, wait);
  }

  load().catch((err: unknown) => {
    // Signing out (or an expired session) aborts the load: not an error.
    if (signal.aborted) return;
    loading.abort();
    const message = errorMessage(err);
    setStatus(message, 'error', err instanceof Error ? err.message : String(err));
    hook.error = message;
    const empty = document.createElement('p');
    empty.className = 'legend-empty';
    empty.textContent = text.noMapData;
    shell.legend.replaceChildren(empty);
    console.error('gridgis: loading the map failed', err);
  });

  return {
    destroy() {
      loading.abort();
      feed?.close();
      feed = null;
      window.clearTimeout(retryTimer);
      window.clearTimeout(flushTimer);
      detail.destroy();
      statsView?.destroy();
      coverageView.destroy();
      shell.toolRebalance.removeEventListener('click', onRebalanceTool);
      side.destroy();
      toaster.clear();
      popup.remove();
      map.remove();
      Object.assign(hook, emptyMapState());
      resetShell();
      setPanelTab('legend');
    },
  };
}

function gridPopupContent(grid: GridFeature): PopupContent {
  return { title: grid.properties.name, rows: gridPopupRows(grid.properties) };
}

async function loadConfig(api: Api, signal: AbortSignal): Promise<AppConfig> {
  try {
    return await api.config(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    // The map works without a basemap; say why there is none and go on.
    console.warn('gridgis: /api/v1/config failed, using a plain background', err);
    return { basemap: '' };
  }
}

/** Page coordinates of the organization drawn nearest the map's centre, away from its edges. */
function orgNearCentre(map: maplibregl.Map, gridId?: number): { x: number; y: number; id: number } | null {
  const rect = map.getContainer().getBoundingClientRect();
  const margin = 60;
  const centre = { x: rect.width / 2, y: rect.height / 2 };
  let best: { x: number; y: number; d: number; id: number } | null = null;
  for (const f of map.queryRenderedFeatures({ layers: [ORG_LAYER] })) {
    if (f.geometry.type !== 'Point') continue;
    if (gridId !== undefined && f.properties.grid_id !== gridId) continue;
    const p = map.project(f.geometry.coordinates as [number, number]);
    if (p.x < margin || p.y < margin || p.x > rect.width - margin || p.y > rect.height - margin) continue;
    // Not one under a request badge: a click there opens the request.
    const near: [maplibregl.PointLike, maplibregl.PointLike] = [
      [p.x - REQUEST_SLACK, p.y - REQUEST_SLACK],
      [p.x + REQUEST_SLACK, p.y + REQUEST_SLACK],
    ];
    if (map.queryRenderedFeatures(near, { layers: [REQUEST_LAYER] }).length > 0) continue;
    const d = Math.hypot(p.x - centre.x, p.y - centre.y);
    if (!best || d < best.d) best = { x: p.x, y: p.y, d, id: Number(f.id) };
  }
  return best ? { x: rect.left + best.x, y: rect.top + best.y, id: best.id } : null;
}

/** Page coordinates of a request's badge, if it is drawn inside the map. */
function requestScreenPoint(map: maplibregl.Map, r: RequestFeature | undefined): { x: number; y: number } | null {
  if (!r) return null;
  const rect = map.getContainer().getBoundingClientRect();
  const p = map.project(r.geometry.coordinates as [number, number]);
  const y = p.y + BADGE_OFFSET[1]; // the badge sits above its organization's point
  if (p.x < 10 || y < 10 || p.x > rect.width - 10 || y > rect.height - 10) return null;
  const drawn = map.queryRenderedFeatures([p.x, y], { layers: [REQUEST_LAYER] }).some((f) => Number(f.id) === r.id);
  return drawn ? { x: rect.left + p.x, y: rect.top + y } : null;
}

/** Page coordinates of an organization if it is drawn inside the map. */
function orgPoint(map: maplibregl.Map, org: OrgFeature | undefined): { x: number; y: number } | null {
  if (!org) return null;
  const rect = map.getContainer().getBoundingClientRect();
  const p = map.project(org.geometry.coordinates as [number, number]);
  if (p.x < 10 || p.y < 10 || p.x > rect.width - 10 || p.y > rect.height - 10) return null;
  return { x: rect.left + p.x, y: rect.top + p.y };
}
