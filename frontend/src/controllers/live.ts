// Live updates: the server's event stream, batched; each batch reloads what
// it touched, refreshes the open panels and shows toasts (not for this
// page's own changes). Reconnects when the server closes the stream.
import { hook } from '../hook';
import { LiveFeed, MAX_TOASTS, decide, latestNote, toastMessages, wantsNote, type LiveEvent, type LiveToast } from '../live';
import type { Controller, MapShell, ReloadRequest } from '../mapshell/mapshell';
import { OWN_CHANGE_MS } from './request';

/** Live events are acted on in batches, this long after the first of a burst. */
const LIVE_BATCH_MS = 300;
/** Waits before reopening a live stream the server closed, doubling up to the last. */
const LIVE_RETRY_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

interface Pending {
  all: boolean;
  requests: boolean;
  /** Reload the open request panel too. */
  panel: boolean;
  orgs: Set<number>;
  events: { name: string; event: LiveEvent | null }[];
}

const nothing = (): Pending => ({ all: false, requests: false, panel: false, orgs: new Set(), events: [] });
const ownKey = (type: string, id: number, action: string) => `${type}:${id}:${action}`;

export class LiveController implements Controller {
  private shell!: MapShell;
  /** Changes this page made, until when their echo is expected. */
  private readonly own = new Map<string, number>();
  private pending = nothing();
  private flushTimer: number | undefined;
  private flushing: Promise<void> | null = null;
  private feed: LiveFeed | null = null;
  private retry = 0;
  private reconnecting = false;
  private retryTimer: number | undefined;

  mount(shell: MapShell): void {
    this.shell = shell;
    shell.provide('reload', (p) => this.queue(p));
    shell.provide('markOwn', (type, id, action) => this.own.set(ownKey(type, id, action), Date.now() + OWN_CHANGE_MS));
  }

  idle(): void {
    this.start();
  }

  unmount(): void {
    this.feed?.close();
    this.feed = null;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.flushTimer);
  }

  private queue(p: ReloadRequest): void {
    const { pending } = this;
    if (p.all) pending.all = true;
    if (p.requests) pending.requests = true;
    if (p.panel) pending.panel = true;
    if (p.org) pending.orgs.add(p.org);
    if (p.event) pending.events.push(p.event);
    if (this.flushTimer === undefined) this.flushTimer = window.setTimeout(() => void this.flush(), LIVE_BATCH_MS);
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    if (this.flushing) {
      // One batch at a time; this one goes after it.
      await this.flushing;
      if (this.flushTimer === undefined && this.hasPending()) this.flushTimer = window.setTimeout(() => void this.flush(), 0);
      return;
    }
    const batch = this.pending;
    this.pending = nothing();
    this.flushing = this.applyBatch(batch).finally(() => (this.flushing = null));
    await this.flushing;
  }

  private hasPending(): boolean {
    const p = this.pending;
    return p.all || p.requests || p.panel || p.orgs.size > 0 || p.events.length > 0;
  }

  private async applyBatch(batch: Pending): Promise<void> {
    const { shell, own } = this;
    const { data, signal } = shell;
    // Decided now, not when each event came: by now the answer to this
    // page's own submission has arrived, so its echo is recognised.
    const toasts: LiveToast[] = [];
    let panel = batch.panel;
    let panelNotice: string | undefined;
    const now = Date.now();
    for (const [k, until] of own) if (until < now) own.delete(k);
    for (const { name, event } of batch.events) {
      const d = decide(name, event, {
        openRequestId: shell.act.panelRequestId(),
        isOwn: (type, id, action) => own.delete(ownKey(type, id, action)),
        myLiaisonId: shell.user.liaison_id,
      });
      batch.all ||= d.reloadAll;
      batch.requests ||= d.reloadRequests;
      if (d.reloadOrg !== null) batch.orgs.add(d.reloadOrg);
      panel ||= d.reloadPanel;
      panelNotice = d.panelNotice ?? panelNotice;
      if (d.toast) toasts.push(d.toast);
    }
    // The toasts' names: a large scope's store holds few organizations.
    const names = new Map<number, string>();
    try {
      if (batch.all) await data.reloadAll();
      else {
        // Another user's contact or request: nothing the tiles of a large scope draw changed.
        const read = async (id: number) => {
          const org = await data.reloadOrg(id);
          if (org) names.set(id, org.properties.name);
        };
        await Promise.all([batch.requests ? data.reloadRequests() : null, ...[...batch.orgs].map(read)]);
        data.showCounts();
      }
    } catch (err) {
      if (signal.aborted) return;
      console.warn('gridgis: live update failed', err);
      return;
    }
    if (signal.aborted) return;
    shell.emit('reloaded', { all: batch.all, orgs: batch.orgs, panel, panelNotice });
    await this.fetchNotes(toasts);
    if (signal.aborted) return;
    const orgName = (id: number) => names.get(id) ?? shell.store.get().orgById.get(id)?.properties.name;
    for (const m of toastMessages(toasts, (id) => data.titles.get(id), orgName)) shell.act.toast(m);
  }

  /**
   * The reason of a 改派 and the note of a 催办 are not in the event: read
   * them from the request's history, for the few toasts shown one by one.
   * The liaison a request left can no longer read it: their toast goes
   * without.
   */
  private async fetchNotes(toasts: LiveToast[]): Promise<void> {
    if (toasts.length > MAX_TOASTS) return;
    const { api, signal } = this.shell;
    await Promise.all(
      toasts.filter(wantsNote).map(async (t) => {
        if (t.audience === 'previous') return;
        try {
          t.note = latestNote((await api.request(t.requestId, signal)).events, t.action);
        } catch (err) {
          if (!signal.aborted) console.warn('gridgis: could not read the note of a live step', err);
        }
      }),
    );
  }

  private start(): void {
    this.feed = new LiveFeed('/api/v1/events', {
      onEvent: (name, event) => {
        hook.liveEvents++;
        this.queue({ event: { name, event } });
      },
      onState: (state) => {
        const was = hook.live;
        hook.live = state;
        if (state === 'open') {
          this.retry = 0;
          // Back after a break: the server replays what it still knows,
          // but a stream that had seen no event yet carries no
          // Last-Event-ID to replay from. The open requests are cheap to
          // fetch again, so fetch them.
          if (was === 'connecting' && this.reconnecting) this.queue({ requests: true, panel: true });
          this.reconnecting = false;
        }
        if (state === 'connecting' && was === 'open') this.reconnecting = true;
        if (state === 'closed') this.scheduleRetry();
      },
    });
    this.feed.open();
  }

  // The server closed the stream for good (an HTTP error): check the
  // session by reloading (a 401 there signs the user out), then reopen.
  private scheduleRetry(): void {
    const { signal } = this.shell;
    const wait = LIVE_RETRY_MS[Math.min(this.retry, LIVE_RETRY_MS.length - 1)];
    this.retry++;
    console.warn(`gridgis: live updates stopped; retrying in ${wait / 1000} s`);
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(async () => {
      if (signal.aborted) return;
      try {
        await this.shell.data.reloadAll();
      } catch (err) {
        if (signal.aborted) return;
        console.warn('gridgis: reload before reconnecting failed', err);
      }
      if (!signal.aborted) this.feed?.open();
    }, wait);
  }
}
