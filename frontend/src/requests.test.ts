import { describe, expect, it } from 'vitest';
import { ApiError, type RequestEvent, type RequestFeature, type Unit } from './api';
import {
  ACTION_SPECS,
  MAX_DESCRIPTION,
  MAX_NOTE,
  MAX_TITLE,
  attemptFor,
  canReport,
  cardNote,
  charCount,
  checkReport,
  checkTransition,
  currentDeadline,
  failureOf,
  formatDuration,
  loopSteps,
  newIdempotencyKey,
  offeredActions,
  slaSummary,
  stars,
  supervisionCard,
  timelineEntry,
  splitTodo,
  todoOrder,
  unitGroups,
  unitLine,
  type ActionInput,
} from './requests';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('loopSteps', () => {
  const states = (status: string, events: Pick<RequestEvent, 'to_status' | 'from_status'>[] = []) =>
    loopSteps(status, events).map((s) => `${s.label}:${s.state}`);

  it('marks the steps before the current one done, the rest to do', () => {
    expect(states('reported')).toEqual(['发现:current', '交办:todo', '整改:todo', '销号:todo', '复核:todo']);
    expect(states('assigned')).toEqual(['发现:done', '交办:current', '整改:todo', '销号:todo', '复核:todo']);
    expect(states('in_progress')).toEqual(['发现:done', '交办:done', '整改:current', '销号:todo', '复核:todo']);
    expect(states('resolved')).toEqual(['发现:done', '交办:done', '整改:done', '销号:current', '复核:todo']);
  });

  it('shows a verified request with every step done', () => {
    expect(states('verified')).toEqual(['发现:done', '交办:done', '整改:done', '销号:done', '复核:done']);
  });

  it('ends a rejected request after the step it was rejected from', () => {
    const events = [
      { from_status: null, to_status: 'reported' },
      { from_status: 'reported', to_status: 'assigned' },
      { from_status: 'assigned', to_status: 'rejected' },
    ];
    expect(states('rejected', events)).toEqual(['发现:done', '交办:done', '不予受理:stopped']);
    expect(states('rejected')).toEqual(['发现:done', '不予受理:stopped']);
  });

  it('shows a status it does not know with nothing reached', () => {
    expect(loopSteps('archived').every((s) => s.state === 'todo')).toBe(true);
  });
});

describe('currentDeadline', () => {
  const r = { response_due_at: '2026-11-21T01:00:00Z', due_at: '2026-11-27T01:00:00Z' };
  it('is the response deadline until the request is assigned, then the resolution deadline', () => {
    expect(currentDeadline({ ...r, status: 'reported' })).toEqual({ at: r.response_due_at, phase: 'response' });
    expect(currentDeadline({ ...r, status: 'assigned' })).toEqual({ at: r.due_at, phase: 'resolve' });
    expect(currentDeadline({ ...r, status: 'resolved' })).toEqual({ at: r.due_at, phase: 'resolve' });
  });
});

describe('formatDuration', () => {
  it('words days and hours, hours and minutes, minutes', () => {
    expect(formatDuration(2 * DAY + 3 * HOUR + 59_000 * 60)).toBe('2 天 3 小时');
    expect(formatDuration(7 * DAY)).toBe('7 天');
    expect(formatDuration(5 * HOUR + 20 * 60_000)).toBe('5 小时 20 分钟');
    expect(formatDuration(HOUR)).toBe('1 小时');
    expect(formatDuration(12 * 60_000 + 30_000)).toBe('12 分钟');
    expect(formatDuration(30_000)).toBe('不到 1 分钟');
  });

  it('words an overdue (negative) span the same way', () => {
    expect(formatDuration(-3 * HOUR)).toBe('3 小时');
  });
});

describe('slaSummary', () => {
  const now = Date.parse('2026-11-26T01:00:00Z');
  const base = {
    reported_at: '2026-11-20T01:00:00Z',
    response_due_at: '2026-11-21T01:00:00Z',
    due_at: '2026-11-27T04:30:00Z',
  };

  it('shows the colour and the time left to the deadline of the current phase', () => {
    expect(slaSummary({ ...base, status: 'assigned', sla: 'yellow' }, now)).toEqual({
      tone: 'yellow',
      label: '黄 · 临期',
      detail: '办结剩余 1 天 3 小时',
    });
    expect(slaSummary({ ...base, status: 'reported', response_due_at: '2026-11-26T12:00:00Z', sla: 'green' }, now)).toEqual({
      tone: 'green',
      label: '绿 · 正常',
      detail: '响应剩余 11 小时',
    });
  });

  it('says how long a request is overdue', () => {
    expect(slaSummary({ ...base, status: 'reported', sla: 'red' }, now)).toEqual({ tone: 'red', label: '红 · 超期', detail: '响应已超期 5 天' });
    expect(slaSummary({ ...base, status: 'in_progress', due_at: '2026-11-25T22:15:00Z', sla: 'red' }, now).detail).toBe('办结已超期 2 小时 45 分钟');
  });

  it('has no clock for a closed request', () => {
    expect(slaSummary({ ...base, status: 'verified', sla: 'green' }, now)).toEqual({ tone: 'closed', label: '已办结', detail: '' });
    expect(slaSummary({ ...base, status: 'rejected', sla: 'green' }, now)).toEqual({ tone: 'closed', label: '已终止', detail: '' });
  });

  it('takes an unknown colour for green and survives a bad date', () => {
    expect(slaSummary({ ...base, due_at: 'soon', status: 'assigned', sla: 'blue' }, now)).toEqual({ tone: 'green', label: '绿 · 正常', detail: '' });
  });
});

describe('supervision', () => {
  it('shows a card only for a yellow or red one', () => {
    expect(supervisionCard('none')).toBeNull();
    expect(supervisionCard('yellow')).toEqual({ tone: 'yellow', label: '黄牌督办' });
    expect(supervisionCard('red')).toEqual({ tone: 'red', label: '红牌督办' });
  });

  it("drops the card's name from the clock's note", () => {
    expect(cardNote('黄牌督办：临近办理时限', '黄牌督办')).toBe('临近办理时限');
    expect(cardNote('超过响应时限', '红牌督办')).toBe('超过响应时限');
    expect(cardNote('红牌督办', '红牌督办')).toBe('');
  });
});

function feature(id: number, sla: string, due: string, status = 'assigned'): RequestFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Point', coordinates: [113.2, 33.7] },
    properties: {
      org_id: 1,
      org_name: '某公司',
      grid_id: 1,
      zone_id: 1,
      title: `诉求${id}`,
      category: 'ordinary',
      topic: 'operations',
      status,
      sla,
      reported_at: '2026-11-20T00:00:00Z',
      response_due_at: '2026-11-21T00:00:00Z',
      due_at: due,
      closed_at: null,
      liaison_id: null,
      unit_id: null,
      supervision: 'none',
      rework_count: 0,
      version: 1,
    },
  };
}

describe('todoOrder', () => {
  it('lists red, then yellow, then green, each by the nearest deadline, and leaves closed ones out', () => {
    const list = [
      feature(1, 'green', '2026-12-01T00:00:00Z'),
      feature(2, 'red', '2026-11-25T00:00:00Z'),
      feature(3, 'yellow', '2026-11-27T00:00:00Z'),
      feature(4, 'red', '2026-11-22T00:00:00Z'),
      feature(5, 'green', '2026-11-28T00:00:00Z'),
      feature(6, 'green', '2026-11-28T00:00:00Z', 'verified'),
      // Not yet assigned: its response deadline counts.
      feature(7, 'green', '2026-12-30T00:00:00Z', 'reported'),
    ];
    expect(todoOrder(list).map((r) => r.id)).toEqual([4, 2, 3, 7, 5, 1]);
  });
});

describe('canReport', () => {
  it('lets admins, officers and liaisons report, not planners', () => {
    expect(['admin', 'officer', 'liaison', 'planner', 'auditor'].map(canReport)).toEqual([true, true, true, false, false]);
  });
});

describe('offeredActions', () => {
  it("offers the server's actions in the loop's order and ignores unknown ones", () => {
    expect(offeredActions(['reject', 'assign', 'start', 'escalate']).map((s) => s.label)).toEqual(['交办', '开始整改', '不予受理']);
    expect(offeredActions([])).toEqual([]);
  });
});

describe('checkTransition', () => {
  const input = (over: Partial<ActionInput> = {}): ActionInput => ({ note: '', liaisonId: '', unitId: null, satisfaction: null, ...over });

  it('sends only the fields the action takes, with the version read', () => {
    expect(checkTransition(ACTION_SPECS.start, input({ liaisonId: '3', satisfaction: 4 }), 7)).toEqual({
      ok: true,
      body: { action: 'start', version: 7 },
    });
    expect(checkTransition(ACTION_SPECS.send_back, input({ note: '  材料不全  ' }), 4)).toEqual({
      ok: true,
      body: { action: 'send_back', version: 4, note: '材料不全' },
    });
  });

  it('requires a note to resolve and a reason to reject', () => {
    expect(checkTransition(ACTION_SPECS.resolve, input({ note: '   ' }), 3)).toEqual({ ok: false, errors: { note: '请填写办理结果' } });
    expect(checkTransition(ACTION_SPECS.reject, input(), 1)).toEqual({ ok: false, errors: { note: '请填写不予受理理由' } });
    expect(checkTransition(ACTION_SPECS.resolve, input({ note: '已办结' }), 3)).toEqual({
      ok: true,
      body: { action: 'resolve', version: 3, note: '已办结' },
    });
  });

  it('counts the note in characters as the server does', () => {
    expect(checkTransition(ACTION_SPECS.resolve, input({ note: '办'.repeat(MAX_NOTE) }), 3).ok).toBe(true);
    expect(checkTransition(ACTION_SPECS.resolve, input({ note: '办'.repeat(MAX_NOTE + 1) }), 3)).toEqual({
      ok: false,
      errors: { note: `办理结果不能超过 ${MAX_NOTE} 字` },
    });
    // An emoji is two UTF-16 units but one character.
    expect(checkTransition(ACTION_SPECS.start, input({ note: '👍'.repeat(MAX_NOTE) }), 3).ok).toBe(true);
  });

  it('requires 1 to 5 stars to verify', () => {
    expect(checkTransition(ACTION_SPECS.verify, input(), 5)).toEqual({ ok: false, errors: { satisfaction: '请选择满意度（1–5 星）' } });
    for (const bad of [0, 6, 2.5]) {
      expect(checkTransition(ACTION_SPECS.verify, input({ satisfaction: bad }), 5)).toEqual({ ok: false, errors: { satisfaction: '满意度须为 1–5 星' } });
    }
    expect(checkTransition(ACTION_SPECS.verify, input({ satisfaction: 5 }), 5)).toEqual({
      ok: true,
      body: { action: 'verify', version: 5, satisfaction: 5 },
    });
  });

  it('assigns to a liaison, an alliance unit or both, never to no one', () => {
    expect(checkTransition(ACTION_SPECS.assign, input(), 1)).toEqual({ ok: false, errors: { liaison_id: '请选择联络员或联盟单位' } });
    expect(checkTransition(ACTION_SPECS.assign, input({ liaisonId: '0', unitId: 0 }), 1)).toEqual({
      ok: false,
      errors: { liaison_id: '请选择联络员或联盟单位' },
    });
    expect(checkTransition(ACTION_SPECS.assign, input({ liaisonId: '8' }), 1)).toEqual({
      ok: true,
      body: { action: 'assign', version: 1, liaison_id: 8 },
    });
    expect(checkTransition(ACTION_SPECS.assign, input({ liaisonId: '8', unitId: 26, note: '会同办理' }), 2)).toEqual({
      ok: true,
      body: { action: 'assign', version: 2, note: '会同办理', liaison_id: 8, unit_id: 26 },
    });
    // The unit alone is a valid assignment too.
    expect(checkTransition(ACTION_SPECS.assign, input({ unitId: 26 }), 2)).toEqual({ ok: true, body: { action: 'assign', version: 2, unit_id: 26 } });
  });

  it('reports every problem at once', () => {
    const checked = checkTransition(ACTION_SPECS.verify, input({ note: 'x'.repeat(MAX_NOTE + 1) }), 5);
    expect(checked.ok ? [] : Object.keys(checked.errors).sort()).toEqual(['note', 'satisfaction']);
  });
});

describe('checkReport', () => {
  const ok = { category: 'ordinary', topic: 'operations', title: ' 用电增容 ', description: ' 需要协调 ' };

  it('trims the texts and builds the body', () => {
    expect(checkReport(41, ok)).toEqual({
      ok: true,
      body: { org_id: 41, category: 'ordinary', topic: 'operations', title: '用电增容', description: '需要协调' },
    });
    expect(checkReport(41, { ...ok, description: '' }).ok).toBe(true);
  });

  it('requires a title of at most 200 characters and a description of at most 5000', () => {
    expect(checkReport(41, { ...ok, title: '  ' })).toEqual({ ok: false, errors: { title: '请填写诉求标题' } });
    expect(checkReport(41, { ...ok, title: '题'.repeat(MAX_TITLE) }).ok).toBe(true);
    expect(checkReport(41, { ...ok, title: '题'.repeat(MAX_TITLE + 1) })).toEqual({ ok: false, errors: { title: '诉求标题不能超过 200 字' } });
    expect(checkReport(41, { ...ok, description: '述'.repeat(MAX_DESCRIPTION + 1) })).toEqual({
      ok: false,
      errors: { description: '诉求描述不能超过 5000 字' },
    });
  });

  it('takes only the known categories and topics', () => {
    expect(checkReport(41, { ...ok, category: 'urgent', topic: 'tax' })).toEqual({
      ok: false,
      errors: { category: '请选择诉求类别', topic: '请选择服务领域' },
    });
  });
});

describe('charCount', () => {
  it('counts code points', () => {
    expect(charCount('诉求')).toBe(2);
    expect(charCount('😀a')).toBe(2);
  });
});

describe('failureOf', () => {
  const fields = ['note', 'satisfaction', 'liaison_id'];

  it('turns a 409 into "reload": someone else moved the request', () => {
    expect(failureOf(new ApiError(409, 'conflict', 'Conflict', 'request 5 is at version 3, not 2'), fields)).toEqual({
      kind: 'stale',
      message: '该诉求已被他人更新，已刷新',
    });
  });

  it('puts a 400 naming a form field next to that field', () => {
    expect(failureOf(new ApiError(400, 'invalid', 'Bad Request', 'satisfaction: must be 1 to 5', 'satisfaction'), fields)).toEqual({
      kind: 'field',
      field: 'satisfaction',
      message: '满意度须为 1–5 星',
    });
    expect(failureOf(new ApiError(400, 'invalid', 'Bad Request', 'no active liaison 9', 'liaison_id'), fields)).toEqual({
      kind: 'field',
      field: 'liaison_id',
      message: '不能选择该联络员（不在本网格，或已是当前承办人），请重新选择',
    });
  });

  it('shows other failures above the form', () => {
    expect(failureOf(new ApiError(400, 'invalid', 'Bad Request', 'version: required', 'version'), fields).kind).toBe('form');
    expect(failureOf(new ApiError(0, 'network', 'network error', ''), fields)).toEqual({ kind: 'form', message: '网络错误，未能提交，请检查网络后重试' });
    expect(failureOf(new ApiError(403, 'forbidden', 'Forbidden', ''), fields).message).toBe('您无权执行该操作');
    expect(failureOf(new ApiError(404, 'not_found', 'Not Found', ''), fields).message).toBe('该诉求不存在或不在您的管辖范围内');
    expect(failureOf(new ApiError(502, 'http_502', 'Bad Gateway', ''), fields).message).toBe('服务器暂时无法处理，请稍后重试');
    expect(failureOf(new TypeError('x'), fields).kind).toBe('form');
  });
});

describe('idempotency keys', () => {
  it('makes a UUID v4 also without crypto.randomUUID', () => {
    let n = 0;
    const key = newIdempotencyKey({ getRandomValues: <T extends ArrayBufferView | null>(a: T) => {
      const b = a as unknown as Uint8Array;
      for (let i = 0; i < b.length; i++) b[i] = (n++ * 37) & 0xff;
      return a;
    } } as Pick<Crypto, 'getRandomValues'>);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reuses the key for a retry of the same report and takes a new one when it changed', () => {
    let n = 0;
    const next = () => `key-${++n}`;
    const body = { org_id: 1, category: 'ordinary' as const, topic: 'operations' as const, title: '诉求', description: '' };
    const first = attemptFor(null, body, next);
    expect(first.key).toBe('key-1');
    expect(attemptFor(first, { ...body }, next)).toBe(first);
    expect(attemptFor(first, { ...body, title: '另一个诉求' }, next).key).toBe('key-2');
  });
});

describe('timelineEntry', () => {
  const event = (over: Partial<RequestEvent>): RequestEvent => ({
    id: 1,
    at: '2026-11-20T01:16:00Z',
    actor_id: 2,
    actor_name: '康敏霞',
    action: 'assign',
    from_status: 'reported',
    to_status: 'assigned',
    note: '',
    data: {},
    ...over,
  });

  it('says who did what, the move, and to whom it was handed', () => {
    const names = (id: number) => (id === 8 ? '毛明春' : undefined);
    expect(timelineEntry(event({ data: { liaison_id: 8, unit_id: 26 }, note: '会同办理' }), names)).toEqual({
      at: '2026-11-20T01:16:00Z',
      actor: '康敏霞',
      what: '交办',
      move: '待交办 → 已交办',
      detail: '交办给联络员 毛明春、联盟单位 #26',
      note: '会同办理',
      tone: 'normal',
    });
    expect(timelineEntry(event({ data: { liaison_id: 9, unit_id: null } }), names).detail).toBe('交办给联络员 #9');
    const units = (id: number) => (id === 26 ? '园区科技金融服务中心' : undefined);
    expect(timelineEntry(event({ data: { liaison_id: null, unit_id: 26 } }), names, units).detail).toBe('交办给联盟单位 园区科技金融服务中心');
  });

  it('shows the rating of a review and the card of the SLA clock', () => {
    const verify = timelineEntry(event({ action: 'verify', from_status: 'resolved', to_status: 'verified', data: { satisfaction: 4 } }));
    expect([verify.what, verify.detail, verify.tone]).toEqual(['复核通过', '满意度 ★★★★☆', 'done']);
    const card = timelineEntry(
      event({ action: 'supervise', actor_id: null, actor_name: '', from_status: 'assigned', to_status: 'assigned', data: { level: 'red' } }),
    );
    expect([card.actor, card.what, card.move, card.detail, card.tone]).toEqual(['系统', '督办', '', '红牌督办', 'red']);
  });

  it('has no move for the report and tolerates missing data', () => {
    const report = timelineEntry(event({ action: 'report', from_status: null, to_status: 'reported', data: null }));
    expect([report.what, report.move, report.detail]).toEqual(['上报诉求', '', '']);
  });
});

describe('unitGroups', () => {
  const unit = (id: number, name: string, kind: string): Unit => ({ id, zone_id: 1, name, kind, contact: '' });

  it('groups the units by kind in the usual order, each by name, unknown kinds last', () => {
    const groups = unitGroups([
      unit(1, '乙协会', 'association'),
      unit(2, '园区管委会', 'government'),
      unit(3, '甲协会', 'association'),
      unit(4, '天使基金', 'investor'),
      unit(5, '新机构', 'incubator'),
    ]);
    expect(groups.map((g) => [g.label, g.units.map((u) => u.id)])).toEqual([
      ['政府部门', [2]],
      ['投资机构', [4]],
      ['行业协会', [3, 1]],
      ['incubator', [5]],
    ]);
    expect(unitGroups([])).toEqual([]);
  });

  it('names a unit, or shows its id when the name is not known', () => {
    expect(unitLine(26, '园区科技金融服务中心')).toBe('联盟单位 园区科技金融服务中心');
    expect(unitLine(26, undefined)).toBe('联盟单位 #26');
  });
});

describe('stars', () => {
  it('draws n of five', () => {
    expect(stars(3)).toBe('★★★☆☆');
    expect(stars(9)).toBe('★★★★★');
  });
});

describe('splitTodo', () => {
  const held = (id: number, sla: string, status: string, liaison: number | null): RequestFeature => {
    const f = feature(id, sla, '2026-11-25T00:00:00Z', status);
    f.properties.liaison_id = liaison;
    return f;
  };
  const list = [
    held(1, 'red', 'assigned', 6), // 改派 to another liaison: not theirs any more
    held(2, 'green', 'assigned', 1),
    held(3, 'red', 'in_progress', 1),
    held(4, 'yellow', 'reported', null), // 待交办: the officer's
    held(5, 'green', 'resolved', 1), // 待复核: the officer's
    held(6, 'red', 'verified', 1), // closed
  ];

  it("gives a liaison only the requests handed to them that they work on; the others follow, and their overdue ones are not counted", () => {
    const { mine, others } = splitTodo({ role: 'liaison', liaison_id: 1 }, list);
    expect(mine.map((r) => r.id)).toEqual([3, 2]);
    expect(others.map((r) => r.id)).toEqual([1, 4, 5]);
    expect(mine.filter((r) => r.properties.sla === 'red').length).toBe(1);
  });

  it('gives a liaison without a liaison record nothing to act on', () => {
    expect(splitTodo({ role: 'liaison', liaison_id: null }, list).mine).toEqual([]);
  });

  it('gives an officer every open request in scope (交办, 复核, 改派, 催办 are theirs)', () => {
    const { mine, others } = splitTodo({ role: 'officer', liaison_id: null }, list);
    expect(mine.map((r) => r.id)).toEqual([1, 3, 4, 2, 5]);
    expect(others).toEqual([]);
  });
});
