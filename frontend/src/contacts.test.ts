import { describe, expect, it } from 'vitest';
import { ApiError, type LiaisonFeature } from './api';
import {
  canAssignLiaison,
  canLogContacts,
  checkContact,
  chinaLocalTime,
  chinaLocalValue,
  contactLine,
  contactStatus,
  countOverdue,
  liaisonChoices,
  liaisonOption,
  orgActionFailure,
} from './contacts';

const base = { liaison_id: 9, last_contact_at: '2026-11-25T02:38:00Z', last_visit_at: '2026-10-01T07:31:00Z', contact_overdue: false, visit_overdue: true };

describe('contactStatus', () => {
  it('badges what is overdue', () => {
    expect(contactStatus(base)).toEqual([
      { kind: 'contact', label: '最近联系', at: '2026-11-25T02:38:00Z', tone: 'ok', badge: '按期' },
      { kind: 'visit', label: '最近走访', at: '2026-10-01T07:31:00Z', tone: 'overdue', badge: '超期未走访' },
    ]);
    expect(contactStatus({ ...base, contact_overdue: true })[0].badge).toBe('超期未联系');
  });

  it('counts a later visit as the last contact', () => {
    expect(contactStatus({ ...base, last_contact_at: null, last_visit_at: '2026-11-20T01:00:00Z' })[0].at).toBe('2026-11-20T01:00:00Z');
  });

  it('says 未包联 for an organization without a liaison', () => {
    expect(contactStatus({ ...base, liaison_id: null, contact_overdue: false, visit_overdue: false }).map((s) => s.badge)).toEqual(['未包联', '未包联']);
  });

  it('counts overdue organizations', () => {
    const o = (c: boolean, v: boolean) => ({ properties: { contact_overdue: c, visit_overdue: v } });
    expect(countOverdue([o(true, true), o(false, true), o(false, false)])).toEqual({ contact: 1, visit: 2, any: 2 });
  });
});

describe('checkContact', () => {
  const now = Date.parse('2026-11-26T02:00:00Z'); // 10:00 in China

  it('sends a visit now with its note trimmed', () => {
    expect(checkContact({ kind: 'visit', at: '', note: '  上门走访  ' }, now)).toEqual({ ok: true, body: { kind: 'visit', note: '上门走访' } });
  });

  it('reads the time as China time', () => {
    expect(chinaLocalTime('2026-11-26T09:30')).toBe(Date.parse('2026-11-26T01:30:00Z'));
    expect(chinaLocalValue(Date.parse('2026-11-26T01:30:00Z'))).toBe('2026-11-26T09:30');
    expect(checkContact({ kind: 'contact', at: '2026-11-26T09:30', note: '' }, now)).toEqual({
      ok: true,
      body: { kind: 'contact', note: '', at: '2026-11-26T01:30:00.000Z' },
    });
  });

  it('takes a time a few minutes ahead (a drifting clock) as now', () => {
    expect(checkContact({ kind: 'contact', at: '2026-11-26T10:03', note: '' }, now)).toMatchObject({ ok: true, body: { at: '2026-11-26T02:00:00.000Z' } });
  });

  it.each([
    [{ kind: '', at: '', note: '' }, { kind: '请选择联系或走访' }],
    [{ kind: 'call', at: '', note: '' }, { kind: '请选择联系或走访' }],
    [{ kind: 'visit', at: '2026-11-26T10:10', note: '' }, { at: '时间不能晚于现在' }],
    [{ kind: 'visit', at: '2025-11-01T10:00', note: '' }, { at: '只能补登 366 天内的记录' }],
    [{ kind: 'visit', at: 'yesterday', note: '' }, { at: '请填写正确的时间' }],
    [{ kind: 'visit', at: '', note: '字'.repeat(2001) }, { note: '情况说明不能超过 2000 字' }],
  ])('refuses %j', (input, errors) => {
    expect(checkContact(input, now)).toEqual({ ok: false, errors });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(checkContact({ kind: 'visit', at: '', note: '𠮷'.repeat(2000) }, now).ok).toBe(true);
  });
});

describe('who may do what', () => {
  it('lets admins, officers and liaisons log; planners only read', () => {
    expect(['admin', 'officer', 'liaison', 'planner'].map(canLogContacts)).toEqual([true, true, true, false]);
    expect(['admin', 'officer', 'liaison', 'planner'].map(canAssignLiaison)).toEqual([true, true, false, false]);
  });
});

function liaison(id: number, name: string, grid: number | null, load = 5, max = 8): LiaisonFeature {
  return { type: 'Feature', id, geometry: { type: 'Point', coordinates: [0, 0] }, properties: { name, phone: '', grid_id: grid, load, min: 5, max } };
}

describe('liaison choices', () => {
  const all = [liaison(1, '乙', 2), liaison(2, '甲', 1), liaison(3, '丙', 1, 8, 8), liaison(4, '丁', 3)];

  it('offers an officer only the liaisons of the organization’s grid', () => {
    expect(liaisonChoices(all, 1, 'officer').map((l) => l.id)).toEqual([3, 2]);
  });

  it('offers an admin every liaison, the organization’s grid first', () => {
    expect(liaisonChoices(all, 1, 'admin').map((l) => l.id)).toEqual([3, 2, 1, 4]);
  });

  it('words load, fullness and another grid', () => {
    const name = (id: number) => ({ 2: '新能源产业网格' })[id];
    expect(liaisonOption(all[1], 1, null, name)).toBe('甲 · 包联 5/8');
    expect(liaisonOption(all[2], 1, null, name)).toBe('丙 · 包联 8/8（已满）');
    expect(liaisonOption(all[2], 1, 3, name)).toBe('丙 · 包联 8/8（当前）');
    expect(liaisonOption(all[0], 1, null, name)).toBe('乙 · 包联 5/8（新能源产业网格）');
  });
});

describe('contactLine and failures', () => {
  it('words a log entry', () => {
    expect(
      contactLine({ id: 1, org_id: 5, liaison_id: 9, liaison_name: '蒋东明', kind: 'visit', at: '', note: '', created_by: 1, created_at: '' }),
    ).toEqual({ kind: '走访', who: '联络员 蒋东明', note: '（无说明）' });
  });

  it('puts a refused field next to it', () => {
    expect(orgActionFailure(new ApiError(400, 'invalid', 'Bad Request', 'at: must not be in the future', 'at'), ['kind', 'at', 'note'])).toEqual({
      field: 'at',
      message: '时间不符合要求（不能晚于现在，只能补登一年内的记录）',
    });
    // An officer choosing a liaison of another of their grids: 403 naming the liaison.
    expect(orgActionFailure(new ApiError(403, 'forbidden', 'Forbidden', '', 'liaison_id'), ['liaison_id'])).toEqual({
      message: '只能选择本人负责网格的联络员',
    });
    expect(orgActionFailure(new ApiError(403, 'forbidden', 'Forbidden', ''), [])).toEqual({ message: '您无权对该组织执行此操作' });
  });
});
