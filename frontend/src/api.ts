// Typed access to the gridgis HTTP API (same origin, under /api/v1).
import type { Feature, FeatureCollection, LineString, MultiPolygon, Point } from 'geojson';

export type OrgKind = 'enterprise' | 'new_economic' | 'social';
export type GridReason = 'industry' | 'territory' | 'nearest' | 'manual';
export type PartyOrg = 'none' | 'standalone' | 'joint';

export interface GridProperties {
  code: string;
  name: string;
  industry: string;
  officer: string;
  instructor: string;
  org_count: number;
}

export interface OrgProperties {
  name: string;
  uscc: string;
  kind: OrgKind;
  industry: string;
  grid_id: number;
  grid_reason: GridReason;
  party_org: PartyOrg;
  party_members: number;
  employees: number;
  high_tech: boolean;
  specialized: boolean;
  liaison_id: number | null;
  last_contact_at: string | null;
  last_visit_at: string | null;
  /** Has a liaison and no contact of either kind in the last 7 days (每周一联系). */
  contact_overdue?: boolean;
  /** Has a liaison and no visit in the last 30 days (每月一走访). */
  visit_overdue?: boolean;
  open_requests: number;
  /** The active assignment is pinned: rebalancing keeps it. */
  pinned?: boolean;
  address?: string;
  /** For optimistic concurrency: PATCH and retire send it back. */
  version?: number;
  /** False for an organization registered without coordinates (待定位). */
  located?: boolean;
  status?: OrgStatus;
  retired_at?: string | null;
  retired_note?: string;
}

/** active, 迁出 (moved_out) or 注销 (deregistered). */
export type OrgStatus = 'active' | 'moved_out' | 'deregistered';

/** A GeoJSON Point in WGS84. */
export interface PointGeometry {
  type: 'Point';
  coordinates: [number, number];
}

/** The body of POST /organizations. */
export interface NewOrg {
  name: string;
  uscc: string;
  kind: OrgKind;
  industry: string;
  employees: number;
  party_members: number;
  party_org: PartyOrg;
  high_tech: boolean;
  specialized: boolean;
  address: string;
  geometry: PointGeometry;
}

/** The body of PATCH /organizations/{id}: version and the attributes that change. */
export type OrgPatch = Partial<Omit<NewOrg, 'geometry'>> & {
  version: number;
  geometry?: PointGeometry;
  /** Admins only: a grid by hand (with grid_reason manual), or null to let the rule choose again. */
  grid_id?: number | null;
  grid_reason?: 'manual';
};

/** The body of POST /organizations/{id}/retire. */
export interface Retirement {
  kind: Exclude<OrgStatus, 'active'>;
  date: string;
  note: string;
  version: number;
}

/** An organization without coordinates, as the 待定位 list holds it. */
export type UnlocatedOrg = Feature<Point | null, OrgProperties> & { id: number };

export type GridFeature = Feature<MultiPolygon, GridProperties> & { id: number };
export type OrgFeature = Feature<Point, OrgProperties> & { id: number };

/** A step of the closed loop 发现—交办—整改—销号—复核, or 不予受理. */
export type RequestStatus = 'reported' | 'assigned' | 'in_progress' | 'resolved' | 'verified' | 'rejected';
/** The SLA class: ordinary requests are due in 7 days, complex ones in 30. */
export type RequestCategory = 'ordinary' | 'complex';
/** The stage of the enterprise's life a request concerns (the five service desks). */
export type RequestTopic = 'landing' | 'construction' | 'operations' | 'innovation' | 'rights';
/** In time, in the last 20 % of its time, overdue. */
export type SlaColour = 'green' | 'yellow' | 'red';
/** The card the SLA clock raised: none, 黄牌 or 红牌. */
export type Supervision = 'none' | 'yellow' | 'red';
/** The steps a client may ask for: the transitions, then 改派 and 催办 (routes of their own). */
export type RequestAction = 'assign' | 'start' | 'resolve' | 'verify' | 'send_back' | 'reject' | 'reassign' | 'remind';

/** A request point, as GET /requests lists it (at its organization's location). */
export interface RequestProperties {
  org_id: number;
  org_name: string;
  grid_id: number | null;
  zone_id: number;
  title: string;
  category: RequestCategory | (string & {});
  topic: RequestTopic | (string & {});
  status: RequestStatus | (string & {});
  sla: SlaColour | (string & {});
  reported_at: string;
  response_due_at: string;
  due_at: string;
  closed_at: string | null;
  liaison_id: number | null;
  unit_id: number | null;
  supervision: Supervision | (string & {});
  rework_count: number;
  version: number;
}

export type RequestFeature = Feature<Point, RequestProperties> & { id: number };

/** One step of a request's history. */
export interface RequestEvent {
  id: number;
  at: string;
  actor_id: number | null;
  /** Empty for the SLA clock. */
  actor_name: string;
  /** A RequestAction, "report" or "supervise". */
  action: string;
  from_status: string | null;
  to_status: string;
  note: string;
  data: Record<string, unknown> | null;
}

/** GET /requests/{id}: the request, its whole history and what the caller may do now. */
export interface RequestDetail {
  id: number;
  zone_id: number;
  org_id: number;
  org_name: string;
  grid_id: number | null;
  location: Point;
  title: string;
  description: string;
  category: RequestCategory | (string & {});
  topic: RequestTopic | (string & {});
  status: RequestStatus | (string & {});
  sla: SlaColour | (string & {});
  supervision: Supervision | (string & {});
  liaison_id: number | null;
  unit_id: number | null;
  reported_by: number | null;
  resolved_by: number | null;
  reported_at: string;
  response_due_at: string;
  due_at: string;
  assigned_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  resolution: string;
  satisfaction: number | null;
  rework_count: number;
  /** 催办 recorded so far (absent from an older server). */
  reminders?: number;
  version: number;
  events: RequestEvent[];
  actions: (RequestAction | (string & {}))[];
}

/** POST /requests. */
export interface NewRequest {
  org_id: number;
  category: RequestCategory;
  topic: RequestTopic;
  title: string;
  description: string;
}

/** POST /requests/{id}/transitions; only the fields the action takes are sent. */
export interface TransitionBody {
  action: RequestAction;
  version: number;
  note?: string;
  liaison_id?: number;
  unit_id?: number;
  satisfaction?: number;
}

/** POST /requests/{id}/reassign (改派): an omitted liaison or unit stays as it is. */
export interface ReassignBody {
  version: number;
  reason: string;
  liaison_id?: number;
  unit_id?: number;
}

/** POST /requests/{id}/remind (催办). */
export interface RemindBody {
  version: number;
  note?: string;
}

export interface LiaisonProperties {
  name: string;
  phone: string;
  grid_id: number | null;
  load: number;
  min: number;
  max: number;
  contacted_7d?: number;
  visited_30d?: number;
  /** contacted_7d / load; null when the load is 0. */
  contact_compliance?: number | null;
  visit_compliance?: number | null;
}

export type LiaisonFeature = Feature<Point, LiaisonProperties> & { id: number };

/** What an alliance unit (红领企服联盟成员单位) is. */
export type UnitKind = 'government' | 'bank' | 'investor' | 'research' | 'association' | 'service';

/** An alliance unit a request can be handed to (GET /units). */
export interface Unit {
  id: number;
  zone_id: number;
  name: string;
  kind: UnitKind | (string & {});
  contact: string;
}

/** An active assignment drawn as a line from the liaison's base to the organization. */
export interface AssignmentProperties {
  org_id: number;
  liaison_id: number;
  grid_id: number | null;
  liaison_grid_id: number | null;
  cause: 'rule' | 'manual' | 'rebalance' | (string & {});
  pinned: boolean;
  valid_from: string;
  distance_m: number;
}

export type AssignmentFeature = Feature<LineString, AssignmentProperties> & { id: number };

/** A rate with what it was taken over; rate is null when the denominator is 0. */
export interface Rate {
  numerator: number;
  denominator: number;
  rate: number | null;
}

/** A median with the number of values it was taken over. */
export interface Median {
  count: number;
  value: number | null;
}

/** A mean with its sum and count. */
export interface Mean {
  sum: number;
  count: number;
  value: number | null;
}

export type StatsBy = 'zone' | 'grid' | 'liaison' | 'unit' | 'month';

/** One group of GET /stats: the KPIs of its requests (grid.StatsGroup). */
export interface StatsGroup {
  /** The row id, the month (2025-06), or "none". */
  key: string;
  name: string;
  from: string;
  to: string;
  reported: number;
  rejected: number;
  closed: number;
  closure_rate: Rate;
  on_time_rate: Rate;
  rework_rate: Rate;
  answered_24h: Rate;
  median_response_hours: Median;
  median_resolution_hours: Median;
  satisfaction: Mean;
  /** Null for by=unit: units carry no organizations. */
  contact_compliance: Rate | null;
  visit_compliance: Rate | null;
  /** 催办 recorded on the group's requests (absent from an older server). */
  reminders?: number;
}

export interface Stats {
  from: string;
  to: string;
  by: StatsBy | (string & {});
  groups: StatsGroup[];
}

export interface StatsQuery {
  /** A date (YYYY-MM-DD, China time) or an RFC 3339 time; empty for the server's default. */
  from?: string;
  to?: string;
  by?: StatsBy;
  signal?: AbortSignal;
}

/** A coverage indicator of GET /coverage (grid.Indicator). */
export type CoverageIndicator = 'party_org' | 'standalone' | 'standalone_gap' | 'instructor' | 'liaison' | 'contact_7d' | 'visit_30d';

/** A grid with one coverage indicator: always numerator, denominator and rate. */
export interface CoverageProperties extends Rate {
  code: string;
  name: string;
  industry?: string;
  zone_id: number;
  indicator: CoverageIndicator;
}

export type CoverageFeature = Feature<MultiPolygon, CoverageProperties> & { id: number };

/** A zone's total of an indicator. */
export interface ZoneRate extends Rate {
  zone_id: number;
}

/** GET /coverage: the grids with the indicator and, as a foreign member, each zone's total. */
export interface Coverage {
  indicator: CoverageIndicator;
  grids: CoverageFeature[];
  zones: ZoneRate[];
}

/** One page of an indicator's gap organizations; `next` continues it. */
export interface GapPage {
  orgs: OrgFeature[];
  next?: string;
}

export type ContactKind = 'contact' | 'visit';

/** One entry of an organization's contact and visit log. */
export interface ContactEntry {
  id: number;
  org_id: number;
  liaison_id: number | null;
  liaison_name: string | null;
  kind: ContactKind | (string & {});
  at: string;
  note: string;
  created_by: number | null;
  created_at: string;
}

export interface ContactPage {
  contacts: ContactEntry[];
  /** The next page's path, while more remain. */
  next?: string;
}

/** POST /organizations/{id}/contacts; `at` empty or absent means now. */
export interface NewContact {
  kind: ContactKind;
  at?: string;
  note: string;
}

/** PUT /organizations/{id}/liaison. */
export interface LiaisonChange {
  /** null unassigns. */
  liaison_id: number | null;
  pinned: boolean;
}

/** The answer of PUT /organizations/{id}/liaison. */
export interface OrgLiaison {
  org_id: number;
  liaison_id: number | null;
  pinned: boolean;
  cause: string | null;
  valid_from: string | null;
  previous_liaison_id: number | null;
  /** False when it already was so: nothing was written. */
  changed: boolean;
}

export type PriorityClass = 'open_requests' | 'key_enterprise' | 'enterprise' | 'other';

/** An assignment measured (grid.RebalanceMetrics); distances in metres. */
export interface RebalanceMetrics {
  objective: number;
  load_min: number;
  load_max: number;
  load_spread: number;
  under_min: number;
  over_max: number;
  total_distance: number;
  longest_distance: number;
  moves: number;
  covered: number;
  uncovered: number;
  by_class: Partial<Record<PriorityClass | (string & {}), { covered: number; total: number }>>;
  /** Per kind of organization; absent in plans stored before it was. */
  by_kind?: Partial<Record<string, { covered: number; total: number }>>;
  /** Stability against the current pairs (absent in older plans). */
  kept?: number;
  reassigned?: number;
  dropped?: number;
  added?: number;
  cross_grid: number;
}

/** What a plan gives up and why (rebalance.Tradeoffs); null for older plans. */
export interface RebalanceTradeoffs {
  keep_coverage: boolean;
  max_travel_increase: number | null;
  travel_limit: number | null;
  coverage_kept: boolean;
  lowered: { by: 'kind' | 'class'; key: string; before: number; after: number }[];
  travel_within_limit: boolean;
  unbounded?: RebalanceMetrics;
  reasons: string[];
}

/** GET /rebalance/capacity: how many liaisons full coverage would need, and where. */
export interface RebalanceCapacity {
  zone_id: number;
  organizations: number;
  liaisons: number;
  capacity: number;
  uncoverable: number;
  liaisons_needed: number;
  new_liaison_min: number;
  new_liaison_max: number;
  grids: {
    grid_id: number;
    grid_name: string;
    organizations: number;
    liaisons: number;
    capacity: number;
    uncoverable: number;
    liaisons_needed: number;
    by_kind: Record<string, number>;
    left: { id: number; name: string; kind: string; class: string }[];
  }[];
}

/** What a plan is asked for; every member is optional. */
export interface RebalanceRequest {
  min?: number;
  max?: number;
  stability?: number;
  keep_in_grid?: boolean;
  allow_coverage_loss?: boolean;
  /** A fraction (0.1: +10 %); null: no bound; absent: the default +10 %. */
  max_travel_increase?: number | null;
}

/** The options a plan was built with. */
export interface RebalanceOptions {
  min?: number;
  max?: number;
  stability: number;
  keep_in_grid: boolean;
  allow_coverage_loss?: boolean;
  max_travel_increase?: number | null;
  cross_grid_penalty: number;
  candidate_limit: number;
  weights: Record<string, number>;
}

export type PlanStatus = 'draft' | 'applied' | 'stale';

/** A move of a plan; null means no liaison on that side. */
export interface PlanMove {
  org_id: number;
  from_liaison_id: number | null;
  to_liaison_id: number | null;
}

export interface PlanSummary {
  id: number;
  zone_id: number;
  status: PlanStatus | (string & {});
  options: RebalanceOptions;
  objective: number;
  move_count: number;
  before: RebalanceMetrics;
  after: RebalanceMetrics;
  tradeoffs?: RebalanceTradeoffs | null;
  created_by: number | null;
  created_at: string;
  applied_by: number | null;
  applied_at: string | null;
}

export interface Plan extends PlanSummary {
  moves: PlanMove[];
}

export interface PlanList {
  plans: PlanSummary[];
  next: string | null;
}

/** A plan's move for the map: old base → organization → new base. */
export interface MoveProperties {
  org_id: number;
  org_name: string;
  grid_id: number | null;
  from_liaison_id: number | null;
  from_liaison_name: string | null;
  to_liaison_id: number | null;
  to_liaison_name: string | null;
  /** From the new liaison's base, metres. */
  distance_m: number | null;
  /** From the old liaison's base, metres. */
  from_distance_m: number | null;
}

export type MoveFeature = Feature<LineString, MoveProperties> & { id: number };

export interface RequestQuery {
  /** A status, or "open" for every request still in the loop. */
  status?: RequestStatus | 'open';
  grid?: number;
  signal?: AbortSignal;
}

export interface Link {
  rel: string;
  href: string;
  type?: string;
}

/** One page of a feature listing, with the OGC-style paging members. */
export interface FeaturePage<F extends Feature> extends FeatureCollection<F['geometry'], F['properties']> {
  features: F[];
  numberReturned?: number;
  links?: Link[];
}

/** A background the server offers (GRIDGIS_BASEMAP): raster layers drawn bottom first. */
export interface BasemapChoice {
  id: string;
  name: string;
  /** The datum its tiles are drawn in; over gcj02 the map shifts its data (layers/sources.ts). */
  datum: 'wgs84' | 'gcj02';
  attribution: string;
  maxzoom: number;
  /** Each layer's XYZ tile URL templates, one per subdomain. */
  layers: { tiles: string[] }[];
}

export interface AppConfig {
  /** The basemaps to choose from, the first shown at start; none: a plain background. */
  basemaps: BasemapChoice[];
  /**
   * Above this many organizations in the user's scope the map draws them
   * from tiles and loads only those in view; 0: never (an older server).
   */
  mapTilesAbove: number;
}

/** The basemaps of a /api/v1/config answer; anything malformed is left out. */
export function parseBasemaps(raw: unknown): BasemapChoice[] {
  if (!Array.isArray(raw)) return [];
  const out: BasemapChoice[] = [];
  for (const b of raw as Partial<Record<keyof BasemapChoice, unknown>>[]) {
    if (!b || typeof b.id !== 'string' || !Array.isArray(b.layers)) continue;
    const layers = (b.layers as { tiles?: unknown }[])
      .map((l) => ({ tiles: Array.isArray(l?.tiles) ? l.tiles.filter((t): t is string => typeof t === 'string' && t.trim() !== '').map((t) => t.trim()) : [] }))
      .filter((l) => l.tiles.length > 0);
    if (layers.length === 0) continue;
    out.push({
      id: b.id,
      name: typeof b.name === 'string' && b.name ? b.name : b.id,
      datum: b.datum === 'gcj02' ? 'gcj02' : 'wgs84',
      attribution: typeof b.attribution === 'string' ? b.attribution : '',
      maxzoom: typeof b.maxzoom === 'number' && b.maxzoom > 0 ? b.maxzoom : 19,
      layers,
    });
  }
  return out;
}

/** The grids list: the grids, and the organizations the caller's scope holds on the map, those without a grid included. */
export interface GridList {
  grids: GridFeature[];
  /** null: an older server, which does not say. */
  orgTotal: number | null;
}

export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

export interface OrgQuery {
  bbox?: BBox;
  /** false: only the unlocated organizations (待定位). */
  located?: boolean;
  /** Page size asked of the server (it caps it at 10000). */
  limit?: number;
  signal?: AbortSignal;
}

/**
 * ApiError carries an application/problem+json answer (or a network failure,
 * with status 0 and code "network") so the UI can word it for the user.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** The input the server named as wrong (problem member "field"), else "". */
  readonly field: string;

  constructor(status: number, code: string, title: string, detail: string, field = '') {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.field = field;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** A paging loop that sees the same next link twice would never end. */
const MAX_PAGES = 10_000;

export const DEFAULT_ORG_PAGE_SIZE = 1000;

export class Api {
  private readonly fetchFn: FetchLike;
  private readonly base: string;

  constructor(fetchFn: FetchLike = (input, init) => fetch(input, init), base = '/api/v1') {
    this.fetchFn = fetchFn;
    this.base = base.replace(/\/$/, '');
  }

  async config(signal?: AbortSignal): Promise<AppConfig> {
    const body = await this.getJSON<{ basemaps?: unknown; map_tiles_above?: unknown }>(`${this.base}/config`, signal);
    const above = body.map_tiles_above;
    return { basemaps: parseBasemaps(body.basemaps), mapTilesAbove: typeof above === 'number' && above > 0 ? above : 0 };
  }

  async grids(signal?: AbortSignal): Promise<GridFeature[]> {
    return (await this.gridList(signal)).grids;
  }

  /** The grids and the organizations the caller's scope holds (org_total; null from an older server). */
  async gridList(signal?: AbortSignal): Promise<GridList> {
    const page = await this.getJSON<FeaturePage<GridFeature> & { org_total?: unknown }>(`${this.base}/grids`, signal);
    const total = page?.org_total;
    return { grids: featuresOf(page), orgTotal: typeof total === 'number' && total >= 0 ? total : null };
  }

  /** Fetches every organization matching the query, following `next` links. */
  async organizations(query: OrgQuery = {}, onPage?: (loaded: number) => void): Promise<OrgFeature[]> {
    return this.allPages<OrgFeature>(`${this.base}/organizations?${orgSearchParams(query)}`, query.signal, onPage);
  }

  /** One organization, e.g. to refresh its counts after a live event. */
  async organization(id: number, signal?: AbortSignal): Promise<OrgFeature> {
    return this.getJSON<OrgFeature>(`${this.base}/organizations/${id}`, signal);
  }

  /** The search box's answer for q (GET /search), unchecked: search.ts parses it. */
  async search(q: string, limit: number, signal?: AbortSignal): Promise<unknown> {
    return this.getJSON<unknown>(`${this.base}/search?${new URLSearchParams({ q, limit: String(limit) })}`, signal);
  }

  /** Request points in the caller's scope. */
  async requests(query: RequestQuery = {}): Promise<RequestFeature[]> {
    return this.allPages<RequestFeature>(`${this.base}/requests?${requestSearchParams(query)}`, query.signal);
  }

  /** One request with its history and the actions the caller may take. */
  async request(id: number, signal?: AbortSignal): Promise<RequestDetail> {
    return this.getJSON<RequestDetail>(`${this.base}/requests/${id}`, signal);
  }

  /**
   * Reports a request. The idempotency key makes a retry after a lost
   * answer safe: the server answers the first request again.
   */
  async createRequest(body: NewRequest, idempotencyKey: string): Promise<RequestDetail> {
    return this.postJSON<RequestDetail>(`${this.base}/requests`, body, { 'Idempotency-Key': idempotencyKey });
  }

  /** Moves a request one step; a stale version answers 409 (ApiError code "conflict"). */
  async transition(id: number, body: TransitionBody): Promise<RequestDetail> {
    return this.postJSON<RequestDetail>(`${this.base}/requests/${id}/transitions`, body);
  }

  /** Hands a request on (改派); the key makes a retry after a lost answer safe. */
  async reassign(id: number, body: ReassignBody, idempotencyKey: string): Promise<RequestDetail> {
    return this.postJSON<RequestDetail>(`${this.base}/requests/${id}/reassign`, body, { 'Idempotency-Key': idempotencyKey });
  }

  /** Records a reminder to the assignee (催办); the key makes a retry safe. */
  async remind(id: number, body: RemindBody, idempotencyKey: string): Promise<RequestDetail> {
    return this.postJSON<RequestDetail>(`${this.base}/requests/${id}/remind`, body, { 'Idempotency-Key': idempotencyKey });
  }

  /** The liaisons in the caller's scope, with their load and capacity. */
  async liaisons(signal?: AbortSignal): Promise<LiaisonFeature[]> {
    return this.allPages<LiaisonFeature>(`${this.base}/liaisons?limit=${DEFAULT_ORG_PAGE_SIZE}`, signal);
  }

  /** The alliance units of the caller's zone, by name. */
  async units(signal?: AbortSignal): Promise<Unit[]> {
    const body = await this.getJSON<{ units?: unknown }>(`${this.base}/units`, signal);
    if (!body || !Array.isArray(body.units)) throw new ApiError(200, 'bad_response', 'not a unit list', '');
    return body.units as Unit[];
  }

  /** The active assignments in the caller's scope, of one grid if given. */
  async assignments(query: { grid?: number; signal?: AbortSignal } = {}): Promise<AssignmentFeature[]> {
    const params = new URLSearchParams();
    if (query.grid !== undefined) params.set('grid', String(query.grid));
    params.set('limit', String(DEFAULT_ORG_PAGE_SIZE));
    return this.allPages<AssignmentFeature>(`${this.base}/assignments?${params}`, query.signal);
  }

  /** Registers an organization; the answer carries the grid the rule gave it. */
  async createOrg(body: NewOrg): Promise<OrgFeature> {
    return this.postJSON<OrgFeature>(`${this.base}/organizations`, body);
  }

  /** Changes, moves or places an organization at patch.version (409 when stale). */
  async patchOrg(id: number, patch: OrgPatch): Promise<OrgFeature> {
    return this.sendJSON<OrgFeature>('PATCH', `${this.base}/organizations/${id}`, patch);
  }

  /** Retires an organization (迁出 / 注销): it leaves the map, its history stays. */
  async retireOrg(id: number, body: Retirement): Promise<OrgFeature> {
    return this.postJSON<OrgFeature>(`${this.base}/organizations/${id}/retire`, body);
  }

  /** The unlocated organizations (待定位) the user may place. */
  async unlocatedOrgs(signal?: AbortSignal): Promise<UnlocatedOrg[]> {
    // Their geometry is null: the paging loop does not look at it.
    const all = await this.allPages<OrgFeature>(`${this.base}/organizations?${orgSearchParams({ located: false })}`, signal);
    // Pages follow ids; within one the server sends storage order.
    return all.sort((a, b) => a.id - b.id) as unknown as UnlocatedOrg[];
  }

  /** Assigns an organization's liaison by hand (null unassigns), optionally pinned. */
  async setOrgLiaison(orgId: number, change: LiaisonChange): Promise<OrgLiaison> {
    return this.sendJSON<OrgLiaison>('PUT', `${this.base}/organizations/${orgId}/liaison`, change);
  }

  /** An organization's contact and visit log, newest first; `next` continues it. */
  async contacts(orgId: number, query: { limit?: number; next?: string; signal?: AbortSignal } = {}): Promise<ContactPage> {
    const url = query.next ?? `${this.base}/organizations/${orgId}/contacts?limit=${query.limit ?? 20}`;
    const page = await this.getJSON<ContactPage>(url, query.signal);
    if (!page || !Array.isArray(page.contacts)) throw new ApiError(200, 'bad_response', 'not a contact list', url);
    return page;
  }

  /** Logs a contact or a visit. */
  async createContact(orgId: number, body: NewContact): Promise<ContactEntry> {
    return this.postJSON<ContactEntry>(`${this.base}/organizations/${orgId}/contacts`, body);
  }

  /** The request KPIs of a date range, grouped. */
  async stats(query: StatsQuery = {}): Promise<Stats> {
    const body = await this.getJSON<Stats>(`${this.base}/stats?${statsSearchParams(query)}`, query.signal);
    if (!body || !Array.isArray(body.groups)) throw new ApiError(200, 'bad_response', 'not a KPI answer', '');
    return body;
  }

  /** The grid choropleth of a coverage indicator, with each zone's total. */
  async coverage(indicator: CoverageIndicator, signal?: AbortSignal): Promise<Coverage> {
    const page = await this.getJSON<FeaturePage<CoverageFeature> & { indicator?: CoverageIndicator; zones?: ZoneRate[] }>(
      `${this.base}/coverage?indicator=${encodeURIComponent(indicator)}`,
      signal,
    );
    return { indicator: page.indicator ?? indicator, grids: featuresOf(page), zones: Array.isArray(page.zones) ? page.zones : [] };
  }

  /** One page of the organizations that make up an indicator's gap (of one grid); `next` continues it. */
  async coverageGaps(query: { indicator: CoverageIndicator; grid?: number; limit?: number; next?: string; signal?: AbortSignal }): Promise<GapPage> {
    const params = new URLSearchParams({ indicator: query.indicator });
    if (query.grid !== undefined) params.set('grid', String(query.grid));
    params.set('limit', String(query.limit ?? 50));
    const url = query.next ?? `${this.base}/coverage/gaps?${params}`;
    const page = await this.getJSON<FeaturePage<OrgFeature>>(url, query.signal);
    // Pages follow ids; within one the server sends storage order.
    return { orgs: featuresOf(page).sort((a, b) => a.id - b.id), next: nextLink(page) };
  }

  /** Builds a draft rebalance plan (admins); 422 code "infeasible" when the bounds cannot be met. */
  async createPlan(body: RebalanceRequest): Promise<Plan> {
    return this.postJSON<Plan>(`${this.base}/rebalance/plans`, body);
  }

  /** The newest rebalance plans, without their moves. */
  async plans(limit = 10, signal?: AbortSignal): Promise<PlanSummary[]> {
    const body = await this.getJSON<PlanList>(`${this.base}/rebalance/plans?limit=${limit}`, signal);
    if (!body || !Array.isArray(body.plans)) throw new ApiError(200, 'bad_response', 'not a plan list', '');
    return body.plans;
  }

  async plan(id: number, signal?: AbortSignal): Promise<Plan> {
    return this.getJSON<Plan>(`${this.base}/rebalance/plans/${id}`, signal);
  }

  /** A plan's moves as lines for the map, every page. */
  async planMoves(id: number, signal?: AbortSignal): Promise<MoveFeature[]> {
    return this.allPages<MoveFeature>(`${this.base}/rebalance/plans/${id}/moves?limit=${DEFAULT_ORG_PAGE_SIZE}`, signal);
  }

  /** How many liaisons full coverage would need, and where (admins and planners). */
  async rebalanceCapacity(signal?: AbortSignal): Promise<RebalanceCapacity> {
    return this.getJSON<RebalanceCapacity>(`${this.base}/rebalance/capacity`, signal);
  }

  /** Makes a draft plan the active assignment; 409 when it was applied already or its data changed. */
  async applyPlan(id: number): Promise<Plan> {
    return this.postJSON<Plan>(`${this.base}/rebalance/plans/${id}/apply`, undefined);
  }

  private async allPages<F extends Feature>(first: string, signal?: AbortSignal, onPage?: (loaded: number) => void): Promise<F[]> {
    const all: F[] = [];
    const seen = new Set<string>();
    let url: string | undefined = first;
    while (url) {
      if (seen.has(url) || seen.size >= MAX_PAGES) {
        throw new ApiError(0, 'paging', '分页链接异常', `repeated or endless next link: ${url}`);
      }
      seen.add(url);
      const page: FeaturePage<F> = await this.getJSON<FeaturePage<F>>(url, signal);
      all.push(...featuresOf(page));
      onPage?.(all.length);
      url = nextLink(page);
    }
    return all;
  }

  private getJSON<T>(url: string, signal?: AbortSignal): Promise<T> {
    return this.send<T>(url, { headers: { Accept: 'application/geo+json, application/json' }, signal });
  }

  private postJSON<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.sendJSON<T>('POST', url, body, headers);
  }

  /** Sends body as JSON; an undefined body sends none. */
  private sendJSON<T>(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    if (body === undefined) return this.send<T>(url, { method, headers: { ...headers, Accept: 'application/json' } });
    return this.send<T>(url, {
      method,
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async send<T>(url: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(url, { ...init, credentials: 'same-origin' }); // the session cookie
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ApiError(0, 'network', 'network error', String(err));
    }
    if (!res.ok) throw await problemOf(res);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'invalid JSON', url);
    }
  }
}

export function requestSearchParams(query: RequestQuery): string {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.grid !== undefined) params.set('grid', String(query.grid));
  params.set('limit', String(DEFAULT_ORG_PAGE_SIZE));
  return params.toString();
}

export function statsSearchParams(query: StatsQuery): string {
  const params = new URLSearchParams();
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (query.by) params.set('by', query.by);
  return params.toString();
}

export function orgSearchParams(query: OrgQuery): string {
  const params = new URLSearchParams();
  if (query.bbox) params.set('bbox', query.bbox.join(','));
  if (query.located !== undefined) params.set('located', String(query.located));
  params.set('limit', String(query.limit ?? DEFAULT_ORG_PAGE_SIZE));
  return params.toString();
}

/** The href of the page's rel="next" link, if any. */
export function nextLink(page: { links?: Link[] }): string | undefined {
  const href = page.links?.find((l) => l.rel === 'next')?.href;
  return href ? href : undefined;
}

function featuresOf<F extends Feature>(page: FeaturePage<F>): F[] {
  if (!page || page.type !== 'FeatureCollection' || !Array.isArray(page.features)) {
    throw new ApiError(200, 'bad_response', 'not a FeatureCollection', '');
  }
  return page.features;
}

/** The ApiError for a failed response, read from its problem document when it has one. */
export async function problemOf(res: Response): Promise<ApiError> {
  let title = res.statusText || `HTTP ${res.status}`;
  let detail = '';
  let code = `http_${res.status}`;
  let field = '';
  try {
    const body = (await res.json()) as { title?: unknown; detail?: unknown; code?: unknown; field?: unknown };
    if (typeof body.title === 'string') title = body.title;
    if (typeof body.detail === 'string') detail = body.detail;
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.field === 'string') field = body.field;
  } catch {
    // Not a problem document (e.g. a proxy's HTML page): keep the status line.
  }
  return new ApiError(res.status, code, title, detail, field);
}
