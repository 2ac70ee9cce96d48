// The message centre's store: the recent live notices (the toasts' words),
// newest first, with what each opens and whether it has been read.
//
// Kept in sessionStorage under the user's id: a reload of the tab keeps
// them, another user signing in on the same tab sees only their own, and
// closing the tab forgets them (a shared office computer keeps no trace;
// the server's request history is the record, this is only a reminder of
// what arrived while the map was open).

/** One notice in the message centre. */
export interface Message {
  /** Unique within the store, for list keys and tests. */
  id: number;
  /** When it arrived (ms since the epoch). */
  at: number;
  text: string;
  /** The request it opens, if any. */
  requestId?: number;
  /** The organization it opens, if any (and no request). */
  orgId?: number;
  read: boolean;
}

export type NewMessage = Pick<Message, 'text' | 'requestId' | 'orgId'> & { at?: number };

/** Messages kept per user; older ones drop off. */
export const MAX_MESSAGES = 50;

/** The storage key of a user's messages. */
export function messagesKey(userId: number): string {
  return `gridgis.messages.${userId}`;
}

/** The part of Storage the store uses (sessionStorage, or a stand-in in tests). */
export type MessageStorage = Pick<Storage, 'getItem' | 'setItem'>;

export class MessageStore {
  private items: Message[] = [];
  private nextId = 1;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly storage: MessageStorage | null,
    private readonly key: string,
    private readonly cap = MAX_MESSAGES,
  ) {
    this.items = load(storage, key).slice(0, cap);
    this.nextId = this.items.reduce((m, x) => Math.max(m, x.id), 0) + 1;
  }

  /** Adds a notice at the top, unread; the oldest beyond the cap drop off. */
  add(m: NewMessage): Message {
    const msg: Message = { id: this.nextId++, at: m.at ?? Date.now(), text: m.text, read: false };
    if (m.requestId !== undefined) msg.requestId = m.requestId;
    else if (m.orgId !== undefined) msg.orgId = m.orgId;
    this.items = [msg, ...this.items].slice(0, this.cap);
    this.changed();
    return msg;
  }

  /** The notices, newest first. */
  list(): readonly Message[] {
    return this.items;
  }

  unread(): number {
    return this.items.filter((m) => !m.read).length;
  }

  /** Marks every notice read (the list was opened). */
  markAllRead(): void {
    if (this.unread() === 0) return;
    this.items = this.items.map((m) => (m.read ? m : { ...m, read: true }));
    this.changed();
  }

  /** Calls fn after every change; returns the unsubscriber. */
  subscribe(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private changed(): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.items));
    } catch {
      // Storage full or refused (private mode): the list still works for this page.
    }
    for (const fn of this.listeners) fn();
  }
}

/** Reads stored messages, dropping anything malformed (an older format, a hand edit). */
function load(storage: MessageStorage | null, key: string): Message[] {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(key) ?? null;
  } catch {
    return [];
  }
  if (!raw) return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  const out: Message[] = [];
  for (const x of v as Partial<Message>[]) {
    if (!x || typeof x.id !== 'number' || typeof x.at !== 'number' || typeof x.text !== 'string') continue;
    const m: Message = { id: x.id, at: x.at, text: x.text, read: x.read === true };
    if (typeof x.requestId === 'number') m.requestId = x.requestId;
    else if (typeof x.orgId === 'number') m.orgId = x.orgId;
    out.push(m);
  }
  return out.sort((a, b) => b.at - a.at || b.id - a.id);
}

/** The tab title with the unread count in front: "(3) gridgis · 园区网格地图". */
export function titleWithUnread(base: string, unread: number): string {
  const plain = base.replace(/^\(\d+\+?\) /, '');
  if (unread <= 0) return plain;
  return `(${unread > 99 ? '99+' : unread}) ${plain}`;
}

/** The badge text of an unread count ('' for none). */
export function badgeText(n: number): string {
  return n <= 0 ? '' : n > 99 ? '99+' : String(n);
}

/** When a notice arrived, as the list shows it: 14:05 today, else 12月6日 14:05 (local time). */
export function messageTime(at: number, now: number): string {
  const d = new Date(at);
  const n = new Date(now);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? hm : `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
}

/**
 * Whether notices are seen as they arrive: only with the list open on a
 * tab someone looks at. In a background tab (or a phone put away) they
 * stay unread, so the tab title's "(N)" tells of them, until the tab shows.
 */
export function seenOnArrival(listOpen: boolean, visibility: DocumentVisibilityState): boolean {
  return listOpen && visibility === 'visible';
}
