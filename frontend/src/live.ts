// Live updates: the server-sent events of GET /api/v1/events, and what the
// map does about each one. The browser's EventSource carries the session
// cookie (same origin) and reconnects by itself with Last-Event-ID, so the
// server replays what was missed; a "resync" means it could not.
import type { RequestEvent } from './api';
import { actionLabel, statusLabel, supervisionLabel, text } from './i18n';

/** One event as the server sends it (grid.Event). */
export interface LiveEvent {
  /** "request" or "contact". */
  type: string;
  /** The request's or the contact's id. */
  id: number;
  /** The request action ("report", "assign", ..., "supervise"), or the contact kind. */
  action: string;
  /** The request's status after the step. */
  status?: string;
  at: string;
  org_id: number;
  grid_id?: number;
  /** The request's liaison after the step. */
  liaison_id?: number;
  /** For 改派, the liaison who had it. */
  prev_liaison_id?: number;
}

/** The event names the app listens to. */
export const LIVE_EVENT_NAMES = ['request', 'contact', 'resync'] as const;

/** Reads an event's data; null when it is not an event the app understands. */
export function parseLiveEvent(data: string): LiveEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  const e = v as Partial<LiveEvent> | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string' || typeof e.id !== 'number' || typeof e.action !== 'string') return null;
  return {
    type: e.type,
    id: e.id,
    action: e.action,
    status: typeof e.status === 'string' ? e.status : undefined,
    at: typeof e.at === 'string' ? e.at : '',
    org_id: typeof e.org_id === 'number' ? e.org_id : 0,
    grid_id: typeof e.grid_id === 'number' ? e.grid_id : undefined,
    liaison_id: typeof e.liaison_id === 'number' ? e.liaison_id : undefined,
    prev_liaison_id: typeof e.prev_liaison_id === 'number' ? e.prev_liaison_id : undefined,
  };
}

/**
 * Who the signed-in liaison is to a 催办 or 改派: the one chased or handed
 * the request (assignee), or the one it left (previous).
 */
export type Audience = 'assignee' | 'previous';

/** A toast to show once the data it names has been reloaded. */
export type LiveToast =
  | {
      kind: 'new' | 'update' | 'supervise';
      requestId: number;
      action: string;
      status?: string;
      audience?: Audience;
      /** The reason of a 改派 or the note of a 催办, once fetched. */
      note?: string;
    }
  | { kind: 'contact' | 'visit'; orgId: number };

/** What to do about one event. */
export interface LiveDecision {
  /** Reload every layer: events may have been missed. */
  reloadAll: boolean;
  /** Reload the request points. */
  reloadRequests: boolean;
  /** Reload this organization (its open request count or last contact changed). */
  reloadOrg: number | null;
  /** Reload the open request panel. */
  reloadPanel: boolean;
  /** What the reloaded panel says happened (someone else moved the request). */
  panelNotice: string | null;
  toast: LiveToast | null;
}

export interface LiveContext {
  /** The request the side panel shows, if any. */
  openRequestId: number | null;
  /**
   * Whether this page itself just made the change: it already shows it,
   * so it is not announced and the panel is not reloaded again.
   */
  isOwn(type: string, id: number, action: string): boolean;
  /** The signed-in user's liaison, if they are one. */
  myLiaisonId?: number | null;
}

const NOTHING: LiveDecision = { reloadAll: false, reloadRequests: false, reloadOrg: null, reloadPanel: false, panelNotice: null, toast: null };

/** The actions that change an organization's count of open requests. */
const COUNTING_ACTIONS = new Set(['report', 'verify', 'reject']);

/** Decides what one event means for the open map. */
export function decide(name: string, e: LiveEvent | null, ctx: LiveContext): LiveDecision {
  if (name === 'resync') return { ...NOTHING, reloadAll: true };
  if (!e) return NOTHING;
  if (name === 'request' && e.type === 'request') {
    const own = ctx.isOwn('request', e.id, e.action);
    // The open panel shows the change itself, with a notice: no toast.
    const shown = ctx.openRequestId === e.id;
    let toast: LiveToast | null = null;
    if (!own && !shown) {
      const kind = e.action === 'report' ? 'new' : e.action === 'supervise' ? 'supervise' : 'update';
      toast = { kind, requestId: e.id, action: e.action, status: e.status };
      const audience = audienceOf(e, ctx.myLiaisonId ?? null);
      if (audience) toast.audience = audience;
    }
    return {
      reloadAll: false,
      reloadRequests: true,
      reloadOrg: COUNTING_ACTIONS.has(e.action) && e.org_id > 0 ? e.org_id : null,
      reloadPanel: shown && !own,
      panelNotice: shown && !own ? text.request.changedElsewhere(actionLabel(e.action)) : null,
      toast,
    };
  }
  if (name === 'contact' && e.type === 'contact') {
    // This page logged it and has reloaded the organization already.
    if (ctx.isOwn('contact', e.id, e.action)) return NOTHING;
    return {
      ...NOTHING,
      reloadOrg: e.org_id > 0 ? e.org_id : null,
      toast: e.org_id > 0 ? { kind: e.action === 'visit' ? 'visit' : 'contact', orgId: e.org_id } : null,
    };
  }
  return NOTHING;
}

function audienceOf(e: LiveEvent, me: number | null): Audience | null {
  if (me === null || (e.action !== 'remind' && e.action !== 'reassign')) return null;
  if (e.liaison_id === me) return 'assignee';
  if (e.action === 'reassign' && e.prev_liaison_id === me) return 'previous';
  return null;
}

/** Whether a toast's wording wants the step's note (the event does not carry it). */
export function wantsNote(t: LiveToast): t is Extract<LiveToast, { requestId: number }> {
  return 'requestId' in t && (t.action === 'remind' || t.action === 'reassign');
}

/** The note of the last step of kind action in a request's history. */
export function latestNote(events: readonly RequestEvent[], action: string): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i].action === action) return events[i].note || undefined;
  return undefined;
}

/** More toasts than this at once are summed up in one. */
export const MAX_TOASTS = 3;

/** A toast's words, and the request (or organization) it opens when clicked. */
export interface ToastMessage {
  text: string;
  requestId?: number;
  orgId?: number;
  /**
   * Stays until dismissed or opened: a 催办 or 改派 addressed to the reader
   * carries an officer's note, which is the point of it.
   */
  sticky?: boolean;
}

/**
 * Words a batch of toasts, after the data has been reloaded: titles and
 * names come from what the page now holds. A burst (e.g. the SLA clock
 * raising many cards at once) becomes a single line.
 */
export function toastMessages(
  toasts: readonly LiveToast[],
  titleOf: (requestId: number) => string | undefined,
  orgNameOf: (orgId: number) => string | undefined,
): ToastMessage[] {
  // Several steps of one request in a batch: its latest says enough.
  const latest = new Map<string, LiveToast>();
  for (const t of toasts) {
    const key = 'requestId' in t ? `r${t.requestId}` : `o${t.orgId}:${t.kind}`;
    const prev = latest.get(key);
    // A new request stays "new" even if it moved on within the batch.
    latest.delete(key);
    latest.set(key, prev?.kind === 'new' && 'requestId' in t ? { ...t, kind: 'new' } : t);
  }
  const all = [...latest.values()];
  if (all.length > MAX_TOASTS) {
    const onlyRequests = all.every((t) => 'requestId' in t);
    return [{ text: onlyRequests ? text.request.manyUpdates(all.length) : text.request.manyChanges(all.length) }];
  }
  return all.map((t): ToastMessage => {
    if ('orgId' in t) {
      const org = orgNameOf(t.orgId) ?? `#${t.orgId}`;
      return { text: t.kind === 'visit' ? text.request.visitLogged(org) : text.request.contactLogged(org), orgId: t.orgId };
    }
    const title = titleOf(t.requestId) ?? `#${t.requestId}`;
    switch (t.kind) {
      case 'new':
        return { text: text.request.newRequest(title), requestId: t.requestId };
      case 'supervise':
        return { text: text.request.supervised(title, supervisionLabel(t.status === 'red' ? 'red' : 'yellow')), requestId: t.requestId };
      default:
        // 改派 and 催办 leave the status as it is: say what happened, and
        // to whom, with the note.
        if (t.action === 'remind' || t.action === 'reassign') {
          const words =
            t.action === 'remind'
              ? t.audience === 'assignee'
                ? text.request.remindedYou(title)
                : text.request.reminded(title)
              : t.audience === 'assignee'
                ? text.request.reassignedToYou(title)
                : t.audience === 'previous'
                  ? text.request.reassignedAway(title)
                  : text.request.reassigned(title);
          // Addressed to the reader: it stays (a colleague's chase is passing news).
          const sticky = t.audience === 'assignee';
          return { text: t.note ? `${words} · ${t.note}` : words, requestId: t.requestId, ...(sticky ? { sticky } : {}) };
        }
        return { text: text.request.updated(title, t.status ? statusLabel(t.status) : actionLabel(t.action)), requestId: t.requestId };
    }
  });
}

export type LiveState = 'off' | 'connecting' | 'open' | 'closed';

export interface LiveHandlers {
  onEvent(name: string, event: LiveEvent | null): void;
  onState(state: LiveState): void;
}

/**
 * The event stream. EventSource reconnects by itself after a network
 * failure or when the server ends a stream; only an HTTP error (the
 * session ended, the server refused) closes it for good, reported as
 * "closed" so the caller can check the session and open a new one.
 */
export class LiveFeed {
  private source: EventSource | null = null;
  private readonly url: string;
  private readonly handlers: LiveHandlers;

  constructor(url: string, handlers: LiveHandlers) {
    this.url = url;
    this.handlers = handlers;
  }

  open(): void {
    this.close();
    const source = new EventSource(this.url); // same origin: the session cookie goes along
    this.source = source;
    this.handlers.onState('connecting');
    source.onopen = () => this.handlers.onState('open');
    source.onerror = () => {
      if (this.source !== source) return;
      this.handlers.onState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    };
    for (const name of LIVE_EVENT_NAMES) {
      source.addEventListener(name, (m) => {
        if (this.source !== source) return;
        const data = (m as MessageEvent<string>).data;
        this.handlers.onEvent(name, name === 'resync' ? null : parseLiveEvent(data));
      });
    }
  }

  close(): void {
    if (!this.source) return;
    this.source.close();
    this.source = null;
    this.handlers.onState('off');
  }
}
