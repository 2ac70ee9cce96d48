import { describe, expect, it } from 'vitest';
import { MAX_MESSAGES, MessageStore, badgeText, messageTime, messagesKey, seenOnArrival, titleWithUnread, type MessageStorage } from './messages';

/** A Map-backed stand-in for sessionStorage. */
function memoryStorage(): MessageStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('MessageStore', () => {
  it('lists the newest first, each unread, with what it opens', () => {
    const s = new MessageStore(memoryStorage(), messagesKey(1));
    s.add({ text: '新诉求：A', requestId: 7, at: 1000 });
    s.add({ text: '新增走访记录：B公司', orgId: 3, at: 2000 });
    expect(s.list().map((m) => m.text)).toEqual(['新增走访记录：B公司', '新诉求：A']);
    expect(s.list()[0]).toMatchObject({ orgId: 3, read: false });
    expect(s.list()[0].requestId).toBeUndefined();
    expect(s.list()[1]).toMatchObject({ requestId: 7, read: false });
    expect(s.unread()).toBe(2);
  });

  it('keeps at most the cap, dropping the oldest', () => {
    const s = new MessageStore(memoryStorage(), messagesKey(1), 3);
    for (let i = 1; i <= 5; i++) s.add({ text: `第 ${i} 条`, at: i });
    expect(s.list().map((m) => m.text)).toEqual(['第 5 条', '第 4 条', '第 3 条']);
    expect(s.unread()).toBe(3);
    expect(MAX_MESSAGES).toBeGreaterThanOrEqual(20);
  });

  it('marks all read when the list is opened, and counts only newer ones after', () => {
    const s = new MessageStore(memoryStorage(), messagesKey(1));
    let calls = 0;
    s.subscribe(() => calls++);
    s.add({ text: 'a' });
    s.add({ text: 'b' });
    s.markAllRead();
    expect(s.unread()).toBe(0);
    expect(s.list().every((m) => m.read)).toBe(true);
    s.markAllRead(); // nothing to mark: no change reported
    expect(calls).toBe(3);
    s.add({ text: 'c' });
    expect(s.unread()).toBe(1);
    expect(s.list()[0]).toMatchObject({ text: 'c', read: false });
  });

  it('survives a reload under the same user, and keeps users apart', () => {
    const storage = memoryStorage();
    const a = new MessageStore(storage, messagesKey(1));
    a.add({ text: '您被催办：积水整治 · 请今天回复', requestId: 125, at: 10 });
    a.add({ text: '新诉求：供电', requestId: 126, at: 20 });
    a.markAllRead();
    a.add({ text: '诉求已更新', requestId: 127, at: 30 });

    const again = new MessageStore(storage, messagesKey(1));
    expect(again.list().map((m) => [m.text, m.read, m.requestId])).toEqual([
      ['诉求已更新', false, 127],
      ['新诉求：供电', true, 126],
      ['您被催办：积水整治 · 请今天回复', true, 125],
    ]);
    expect(again.unread()).toBe(1);
    // A new notice gets an id of its own after the reload.
    const next = again.add({ text: 'd' });
    expect(new Set(again.list().map((m) => m.id)).size).toBe(4);
    expect(next.id).toBeGreaterThan(3);

    const other = new MessageStore(storage, messagesKey(2));
    expect(other.list()).toEqual([]);
    expect(other.unread()).toBe(0);
  });

  it('ignores stored junk and works without storage', () => {
    const storage = memoryStorage();
    storage.data.set(messagesKey(1), '{not json');
    expect(new MessageStore(storage, messagesKey(1)).list()).toEqual([]);
    storage.data.set(messagesKey(1), JSON.stringify([{ id: 1, at: 5, text: 'ok', read: true }, { id: 'x' }, null, 3]));
    expect(new MessageStore(storage, messagesKey(1)).list().map((m) => m.text)).toEqual(['ok']);
    const s = new MessageStore(null, messagesKey(1));
    s.add({ text: 'x' });
    expect(s.unread()).toBe(1);
    const throwing: MessageStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    const t = new MessageStore(throwing, 'k');
    t.add({ text: 'y' });
    expect(t.list()).toHaveLength(1);
  });
});

describe('titleWithUnread', () => {
  it('puts the count in front while there are unread notices', () => {
    expect(titleWithUnread('gridgis · 园区网格地图', 3)).toBe('(3) gridgis · 园区网格地图');
    expect(titleWithUnread('(3) gridgis · 园区网格地图', 4)).toBe('(4) gridgis · 园区网格地图');
    expect(titleWithUnread('(3) gridgis · 园区网格地图', 0)).toBe('gridgis · 园区网格地图');
    expect(titleWithUnread('园区网格地图', 120)).toBe('(99+) 园区网格地图');
    expect(titleWithUnread('(99+) 园区网格地图', 0)).toBe('园区网格地图');
  });

  it('badge text', () => {
    expect(badgeText(0)).toBe('');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(100)).toBe('99+');
  });
});

describe('messageTime', () => {
  it('shows the time today, the date before', () => {
    const now = new Date(2026, 11, 7, 18, 0).getTime();
    expect(messageTime(new Date(2026, 11, 7, 9, 5).getTime(), now)).toBe('09:05');
    expect(messageTime(new Date(2026, 11, 6, 23, 59).getTime(), now)).toBe('12月6日 23:59');
  });
});

describe('seenOnArrival', () => {
  it('marks new notices read only with the list open in a tab someone looks at', () => {
    expect(seenOnArrival(true, 'visible')).toBe(true);
    // A background tab, or a phone put away with the list open: the title's "(N)" must tell.
    expect(seenOnArrival(true, 'hidden')).toBe(false);
    expect(seenOnArrival(false, 'visible')).toBe(false);
  });
});
