// 改派 and 催办 in the app: what the forms send, what the history says,
// what a toast says, and that 交办 is no longer offered once assigned.
import { describe, expect, it } from 'vitest';
import type { RequestEvent } from './api';
import { decide, latestNote, parseLiveEvent, toastMessages, type LiveEvent } from './live';
import { ACTION_SPECS, checkReassign, checkRemind, noteField, offeredActions, openLoads, timelineEntry, type ActionInput } from './requests';

const input = (over: Partial<ActionInput> = {}): ActionInput => ({ note: '', liaisonId: '', unitId: null, satisfaction: null, ...over });
const now = { liaison_id: 8, unit_id: 26 };

describe('checkReassign', () => {
  it('sends only what changes, with the trimmed reason', () => {
    expect(checkReassign(input({ note: ' 原联络员出差 ', liaisonId: '9' }), now, 3)).toEqual({
      ok: true,
      body: { version: 3, reason: '原联络员出差', liaison_id: 9 },
    });
    expect(checkReassign(input({ note: '改由园区服务中心', liaisonId: '8', unitId: 30 }), now, 3)).toEqual({
      ok: true,
      body: { version: 3, reason: '改由园区服务中心', unit_id: 30 },
    });
  });

  it('needs a new liaison or unit and a reason of 2–200 characters', () => {
    expect(checkReassign(input({ note: '换人', liaisonId: '8', unitId: 26 }), now, 3)).toEqual({
      ok: false,
      errors: { liaison_id: '请选择新的联络员或联盟单位' },
    });
    expect(checkReassign(input({ liaisonId: '9' }), now, 3)).toEqual({ ok: false, errors: { reason: '请填写改派原因' } });
    expect(checkReassign(input({ note: '换', liaisonId: '9' }), now, 3)).toEqual({ ok: false, errors: { reason: '改派原因至少 2 个字' } });
    expect(checkReassign(input({ note: '换'.repeat(201), liaisonId: '9' }), now, 3)).toEqual({
      ok: false,
      errors: { reason: '改派原因不能超过 200 字' },
    });
    expect(checkReassign(input({ note: '换'.repeat(200), liaisonId: '9' }), now, 3).ok).toBe(true);
  });
});

describe('改派 to a unit alone (不指定联络员)', () => {
  it('sends liaison 0 to clear the liaison, keeping a liaison or a unit', () => {
    expect(checkReassign(input({ note: '改由单位办理', liaisonId: '0' }), now, 3)).toEqual({
      ok: true,
      body: { version: 3, reason: '改由单位办理', liaison_id: 0 },
    });
    expect(checkReassign(input({ note: '改由单位办理', liaisonId: '0', unitId: 30 }), { liaison_id: 8, unit_id: null }, 3)).toEqual({
      ok: true,
      body: { version: 3, reason: '改由单位办理', liaison_id: 0, unit_id: 30 },
    });
    expect(checkReassign(input({ note: '改由单位办理', liaisonId: '0' }), { liaison_id: 8, unit_id: null }, 3)).toEqual({
      ok: false,
      errors: { unit_id: '不指定联络员时请选择联盟单位' },
    });
    // Unit 0 clears the unit the same way.
    expect(checkReassign(input({ note: '只由联络员办理', unitId: 0 }), now, 3)).toEqual({
      ok: true,
      body: { version: 3, reason: '只由联络员办理', unit_id: 0 },
    });
  });
});

describe('the liaison picker', () => {
  it('counts each liaison\'s open requests', () => {
    const r = (liaison_id: number | null, status: string) => ({ properties: { liaison_id, status } });
    const loads = openLoads([r(8, 'assigned'), r(8, 'in_progress'), r(8, 'verified'), r(9, 'resolved'), r(null, 'reported'), r(9, 'rejected')]);
    expect([loads.get(8), loads.get(9), loads.get(10)]).toEqual([2, 1, undefined]);
  });

  it('says when a request was handed on overdue (接手时已超期)', () => {
    const e = timelineEntry({
      id: 1,
      at: '2026-11-20T01:16:00Z',
      actor_id: 2,
      actor_name: '康敏霞',
      action: 'reassign',
      from_status: 'in_progress',
      to_status: 'in_progress',
      note: '原联络员出差',
      data: { liaison_id: null, unit_id: 26, from_liaison_id: 8, from_unit_id: null, overdue: true },
    });
    expect(e.detail).toBe('改派给联盟单位 #26（原联络员 #8），接手时已超期');
  });
});

describe('checkRemind', () => {
  it('sends the note when there is one, at most 200 characters', () => {
    expect(checkRemind({ note: '  ' }, 5)).toEqual({ ok: true, body: { version: 5 } });
    expect(checkRemind({ note: ' 请今日内回复 ' }, 5)).toEqual({ ok: true, body: { version: 5, note: '请今日内回复' } });
    expect(checkRemind({ note: '催'.repeat(201) }, 5)).toEqual({ ok: false, errors: { note: '催办说明不能超过 200 字' } });
  });
});

describe('the actions offered', () => {
  it('lists 改派 and 催办 after the transitions; the reason is the field "reason"', () => {
    expect(offeredActions(['remind', 'reassign', 'start', 'reject']).map((s) => s.label)).toEqual(['开始整改', '不予受理', '改派', '催办']);
    expect(noteField(ACTION_SPECS.reassign)).toBe('reason');
    expect(noteField(ACTION_SPECS.remind)).toBe('note');
  });
});

describe('history entries', () => {
  const event = (over: Partial<RequestEvent>): RequestEvent => ({
    id: 1,
    at: '2026-11-20T01:16:00Z',
    actor_id: 2,
    actor_name: '康敏霞',
    action: 'reassign',
    from_status: 'in_progress',
    to_status: 'in_progress',
    note: '原联络员出差',
    data: {},
    ...over,
  });
  const names = (id: number) => ({ 8: '毛明春', 9: '张立' })[id];

  it('says who had it, who has it now, and why', () => {
    const e = timelineEntry(event({ data: { liaison_id: 9, unit_id: null, from_liaison_id: 8, from_unit_id: null } }), names);
    expect(e).toMatchObject({ actor: '康敏霞', what: '改派', move: '', detail: '改派给联络员 张立（原联络员 毛明春）', note: '原联络员出差', tone: 'reassign' });
  });

  it('says whom a reminder chased and the how-manieth it is', () => {
    const e = timelineEntry(event({ action: 'remind', note: '', data: { liaison_id: 8, unit_id: 26, count: 2 } }), names);
    expect(e).toMatchObject({ what: '催办', detail: '催办联络员 毛明春、联盟单位 #26（第 2 次）', tone: 'remind' });
  });
});

describe('toasts', () => {
  it('say a request was chased or handed on', () => {
    const title = () => '厂房用电增容';
    expect(
      toastMessages(
        [
          { kind: 'update', requestId: 1, action: 'remind', status: 'in_progress' },
          { kind: 'update', requestId: 2, action: 'reassign', status: 'assigned' },
        ],
        title,
        () => undefined,
      ).map((m) => m.text),
    ).toEqual(['诉求催办：厂房用电增容', '诉求改派：厂房用电增容']);
  });
});

describe('live notices of 催办 and 改派', () => {
  const ev = (over: Partial<LiveEvent>): LiveEvent => ({ type: 'request', id: 5, action: 'remind', status: 'in_progress', at: '', org_id: 41, ...over });
  const ctx = (me: number | null) => ({ openRequestId: null, isOwn: () => false, myLiaisonId: me });
  const title = () => '厂房用电增容';

  it('reads who had and who has the request', () => {
    expect(parseLiveEvent('{"type":"request","id":5,"action":"reassign","status":"assigned","at":"","org_id":41,"liaison_id":9,"prev_liaison_id":8}')).toMatchObject({
      liaison_id: 9,
      prev_liaison_id: 8,
    });
  });

  it('tell the liaison chased, handed the request, or relieved of it', () => {
    const toasts = [
      decide('request', ev({ id: 1, action: 'remind', liaison_id: 8 }), ctx(8)).toast!,
      decide('request', ev({ id: 2, action: 'reassign', liaison_id: 8, prev_liaison_id: 9 }), ctx(8)).toast!,
      { ...decide('request', ev({ id: 3, action: 'reassign', liaison_id: 9, prev_liaison_id: 8 }), ctx(8)).toast!, note: '原联络员调岗' },
    ];
    expect(toastMessages(toasts, title, () => undefined).map((m) => m.text)).toEqual([
      '您被催办：厂房用电增容',
      '厂房用电增容 已改派给您',
      '厂房用电增容 已改派他人 · 原联络员调岗',
    ]);
  });

  it('show the note, and stay neutral for others', () => {
    const officer = [
      { ...decide('request', ev({ id: 1, action: 'remind', liaison_id: 8 }), ctx(null)).toast!, note: '请今日内联系企业' },
      decide('request', ev({ id: 2, action: 'reassign', liaison_id: 8, prev_liaison_id: 9 }), ctx(7)).toast!,
    ];
    expect(toastMessages(officer, title, () => undefined).map((m) => m.text)).toEqual([
      '诉求催办：厂房用电增容 · 请今日内联系企业',
      '诉求改派：厂房用电增容',
    ]);
  });

  it("takes the note from the request's last step of that kind", () => {
    const events = [
      { action: 'remind', note: '第一次' },
      { action: 'reassign', note: '换人' },
      { action: 'remind', note: '第二次' },
      { action: 'start', note: '' },
    ] as RequestEvent[];
    expect(latestNote(events, 'remind')).toBe('第二次');
    expect(latestNote(events, 'reassign')).toBe('换人');
    expect(latestNote(events, 'verify')).toBeUndefined();
  });
});

describe('the KPI table', () => {
  it('shows 催办 among the first columns, not scrolled off the dock', async () => {
    const { KPIS } = await import('./stats');
    const at = KPIS.findIndex((k) => k.key === 'reminders');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(4);
    expect(KPIS[at].hint).toContain('催办发生');
  });

  it('counts reminders, 0 from a server without them', async () => {
    const { kpiText, kpiValue } = await import('./stats');
    const g = { reminders: 3 } as unknown as import('./api').StatsGroup;
    expect(kpiText(g, 'reminders')).toBe('3');
    expect(kpiValue({} as import('./api').StatsGroup, 'reminders')).toBe(0);
  });
});
