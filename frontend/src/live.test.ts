import { describe, expect, it } from 'vitest';
import { MAX_TOASTS, decide, parseLiveEvent, toastMessages, type LiveContext, type LiveEvent, type LiveToast } from './live';

const event = (over: Partial<LiveEvent> = {}): LiveEvent => ({
  type: 'request',
  id: 12,
  action: 'assign',
  status: 'assigned',
  at: '2026-11-26T01:00:00Z',
  org_id: 41,
  grid_id: 1,
  ...over,
});

const ctx = (over: Partial<LiveContext> = {}): LiveContext => ({ openRequestId: null, isOwn: () => false, ...over });

describe('parseLiveEvent', () => {
  it("reads the server's event", () => {
    expect(
      parseLiveEvent('{"type":"request","id":12,"action":"report","status":"reported","at":"2026-11-26T01:00:00Z","org_id":41,"zone_id":1,"grid_id":1}'),
    ).toEqual({ type: 'request', id: 12, action: 'report', status: 'reported', at: '2026-11-26T01:00:00Z', org_id: 41, grid_id: 1 });
  });

  it('ignores what it cannot read', () => {
    expect(parseLiveEvent('not json')).toBeNull();
    expect(parseLiveEvent('null')).toBeNull();
    expect(parseLiveEvent('{"type":"request","id":"12","action":"report"}')).toBeNull();
  });
});

describe('decide', () => {
  it('reloads everything on resync, quietly', () => {
    expect(decide('resync', null, ctx())).toEqual({
      reloadAll: true,
      reloadRequests: false,
      reloadOrg: null,
      reloadPanel: false,
      panelNotice: null,
      toast: null,
    });
  });

  it('announces a new request and refreshes the requests and its organization', () => {
    expect(decide('request', event({ action: 'report', status: 'reported' }), ctx())).toEqual({
      reloadAll: false,
      reloadRequests: true,
      reloadOrg: 41,
      reloadPanel: false,
      panelNotice: null,
      toast: { kind: 'new', requestId: 12, action: 'report', status: 'reported' },
    });
  });

  it("reloads an organization only when its open request count changes", () => {
    expect(decide('request', event({ action: 'assign' }), ctx()).reloadOrg).toBeNull();
    expect(decide('request', event({ action: 'start', status: 'in_progress' }), ctx()).reloadOrg).toBeNull();
    expect(decide('request', event({ action: 'verify', status: 'verified' }), ctx()).reloadOrg).toBe(41);
    expect(decide('request', event({ action: 'reject', status: 'rejected' }), ctx()).reloadOrg).toBe(41);
  });

  it('reloads the open panel, with a notice instead of a toast', () => {
    const d = decide('request', event({ action: 'start', status: 'in_progress' }), ctx({ openRequestId: 12 }));
    expect([d.reloadRequests, d.reloadPanel, d.panelNotice, d.toast]).toEqual([true, true, '该诉求刚刚有新进展（开始整改），已自动刷新', null]);
    const other = decide('request', event({ action: 'start', status: 'in_progress' }), ctx({ openRequestId: 13 }));
    expect([other.reloadPanel, other.toast?.kind]).toEqual([false, 'update']);
  });

  it("does not announce or reload the panel for this page's own change, but still refreshes the map", () => {
    const asked: string[] = [];
    const d = decide(
      'request',
      event({ action: 'resolve', status: 'resolved' }),
      ctx({ openRequestId: 12, isOwn: (type, id, action) => (asked.push(`${type}:${id}:${action}`), true) }),
    );
    expect(asked).toEqual(['request:12:resolve']);
    expect([d.reloadRequests, d.reloadPanel, d.panelNotice, d.toast]).toEqual([true, false, null, null]);
  });

  it('calls a card raised by the SLA clock supervision', () => {
    expect(decide('request', event({ action: 'supervise', status: 'assigned' }), ctx()).toast?.kind).toBe('supervise');
  });

  it('refreshes the organization of a contact and announces it', () => {
    expect(decide('contact', event({ type: 'contact', id: 5, action: 'visit', status: undefined }), ctx())).toEqual({
      reloadAll: false,
      reloadRequests: false,
      reloadOrg: 41,
      reloadPanel: false,
      panelNotice: null,
      toast: { kind: 'visit', orgId: 41 },
    });
  });

  it("leaves a contact this page logged alone: it has reloaded the organization already", () => {
    const asked: string[] = [];
    const d = decide('contact', event({ type: 'contact', id: 5, action: 'visit' }), ctx({ isOwn: (t, id, a) => (asked.push(`${t}:${id}:${a}`), true) }));
    expect(asked).toEqual(['contact:5:visit']);
    expect(d.reloadOrg).toBeNull();
    expect(d.toast).toBeNull();
  });

  it('ignores unreadable and mismatched events', () => {
    const nothing = decide('request', null, ctx());
    expect(nothing.reloadRequests || nothing.reloadAll || nothing.toast).toBeFalsy();
    expect(decide('request', event({ type: 'contact' }), ctx()).reloadRequests).toBe(false);
    expect(decide('heartbeat', event(), ctx()).reloadRequests).toBe(false);
  });
});

describe('toastMessages', () => {
  const titles = new Map([
    [12, '用电增容'],
    [13, '招工对接'],
  ]);
  const titleOf = (id: number) => titles.get(id);
  const orgOf = (id: number) => (id === 41 ? '华创纤维' : undefined);
  const update = (id: number, action: string, status: string): LiveToast => ({ kind: 'update', requestId: id, action, status });

  it('words new requests, status changes, cards and contacts with their names', () => {
    expect(
      toastMessages(
        [
          { kind: 'new', requestId: 12, action: 'report', status: 'reported' },
          update(13, 'start', 'in_progress'),
          { kind: 'visit', orgId: 41 },
        ],
        titleOf,
        orgOf,
      ),
    ).toEqual([
      { text: '新诉求：用电增容', requestId: 12 },
      { text: '诉求状态更新：招工对接 · 整改中', requestId: 13 },
      { text: '新增走访记录：华创纤维', orgId: 41 },
    ]);
    expect(toastMessages([{ kind: 'supervise', requestId: 13, action: 'supervise', status: 'red' }], titleOf, orgOf)).toEqual([
      { text: '诉求督办：招工对接 · 红牌督办', requestId: 13 },
    ]);
  });

  it('names a request it has no title for by its number', () => {
    expect(toastMessages([update(99, 'verify', 'verified')], titleOf, orgOf)).toEqual([{ text: '诉求状态更新：#99 · 已办结', requestId: 99 }]);
  });

  it('keeps the latest word per request, and a new request stays new', () => {
    expect(
      toastMessages(
        [{ kind: 'new', requestId: 12, action: 'report', status: 'reported' }, update(12, 'assign', 'assigned'), update(13, 'start', 'in_progress'), update(13, 'resolve', 'resolved')],
        titleOf,
        orgOf,
      ).map((m) => m.text),
    ).toEqual(['新诉求：用电增容', '诉求状态更新：招工对接 · 待复核']);
  });

  it('keeps a 催办, and a 改派 to the reader, on screen with the whole note', () => {
    const remind: LiveToast = { kind: 'update', requestId: 12, action: 'remind', audience: 'assignee', note: '请今天下班前回复处理进度，并上传现场照片' };
    expect(toastMessages([remind], titleOf, orgOf)).toEqual([
      { text: '您被催办：用电增容 · 请今天下班前回复处理进度，并上传现场照片', requestId: 12, sticky: true },
    ]);
    const toMe: LiveToast = { kind: 'update', requestId: 13, action: 'reassign', audience: 'assignee', note: '原联络员休假' };
    expect(toastMessages([toMe], titleOf, orgOf)[0].sticky).toBe(true);
    // A chase or 改派 between others, or a status change, goes by itself.
    expect(toastMessages([{ ...toMe, audience: undefined }], titleOf, orgOf)[0].sticky).toBeUndefined();
    expect(toastMessages([{ ...remind, audience: undefined }], titleOf, orgOf)[0].sticky).toBeUndefined();
    expect(toastMessages([update(13, 'start', 'in_progress')], titleOf, orgOf)[0].sticky).toBeUndefined();
  });

  it(`sums up more than ${MAX_TOASTS} at once`, () => {
    const many = [1, 2, 3, 4, 5].map((id) => update(id, 'supervise', 'assigned'));
    expect(toastMessages(many, titleOf, orgOf)).toEqual([{ text: '5 条诉求有更新' }]);
    expect(toastMessages([...many.slice(0, 3), { kind: 'contact', orgId: 41 }], titleOf, orgOf)).toEqual([{ text: '收到 4 条更新' }]);
  });
});
