// Typed access to the gridgis HTTP API (same origin, under /api/v1).
import type { Feature, FeatureCollection, MultiPolygon, Point } from 'geojson';

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
  open_requests: number;
}

export type GridFeature = Feature<MultiPolygon, GridProperties> & { id: number };
export type OrgFeature = Feature<Point, OrgProperties> & { id: number };

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

export interface AppConfig {
  /** Raster XYZ URL template; empty when no tile server is configured. */
  basemap: string;
}

export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

export interface OrgQuery {
  bbox?: BBox;
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

  constructor(status: number, code: string, title: string, detail: string) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
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
    const body = await this.getJSON<Partial<AppConfig>>(`${this.base}/config`, signal);
    return { basemap: typeof body.basemap === 'string' ? body.basemap.trim() : '' };
  }

  async grids(signal?: AbortSignal): Promise<GridFeature[]> {
    const page = await this.getJSON<FeaturePage<GridFeature>>(`${this.base}/grids`, signal);
    return featuresOf(page);
  }

  /** Fetches every organization matching the query, following `next` links. */
  async organizations(query: OrgQuery = {}, onPage?: (loaded: number) => void): Promise<OrgFeature[]> {
    const all: OrgFeature[] = [];
    const seen = new Set<string>();
    let url: string | undefined = `${this.base}/organizations?${orgSearchParams(query)}`;
    while (url) {
      if (seen.has(url) || seen.size >= MAX_PAGES) {
        throw new ApiError(0, 'paging', '分页链接异常', `repeated or endless next link: ${url}`);
      }
      seen.add(url);
      const page: FeaturePage<OrgFeature> = await this.getJSON<FeaturePage<OrgFeature>>(url, query.signal);
      all.push(...featuresOf(page));
      onPage?.(all.length);
      url = nextLink(page);
    }
    return all;
  }

  private async getJSON<T>(url: string, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        headers: { Accept: 'application/geo+json, application/json' },
        credentials: 'same-origin', // the session cookie
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
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

export function orgSearchParams(query: OrgQuery): string {
  const params = new URLSearchParams();
  if (query.bbox) params.set('bbox', query.bbox.join(','));
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
  try {
    const body = (await res.json()) as { title?: unknown; detail?: unknown; code?: unknown };
    if (typeof body.title === 'string') title = body.title;
    if (typeof body.detail === 'string') detail = body.detail;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // Not a problem document (e.g. a proxy's HTML page): keep the status line.
  }
  return new ApiError(res.status, code, title, detail);
}
