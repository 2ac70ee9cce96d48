import { describe, expect, it } from 'vitest';
import { ApiError, type OrgProperties } from './api';
import { canEditOrgs, changedAttributes, checkOrgForm, checkRetire, chinaToday, emptyOrgForm, formOf, gridLine, orgEditFailure, pointAt, usccValid } from './orgedit';

const props: OrgProperties = {
  name: '平顶山测试有限公司',
  uscc: '91350100M000100Y43',
  kind: 'enterprise',
  industry: '物流',
  grid_id: 3,
  grid_reason: 'territory',
  party_org: 'none',
  party_members: 0,
  employees: 20,
  high_tech: false,
  specialized: false,
  liaison_id: null,
  last_contact_at: null,
  last_visit_at: null,
  open_requests: 0,
  address: '建设路1号',
  version: 4,
};

describe('usccValid', () => {
  it('accepts codes with the right check character and refuses others', () => {
    expect(usccValid('91350100M000100Y43')).toBe(true);
    expect(usccValid('91350100M000100Y44')).toBe(false);
    expect(usccValid('91350100M000100Y4')).toBe(false);
    expect(usccValid('91350100M000100I43')).toBe(false); // I is not in the alphabet
    expect(usccValid('9135AB00M000100Y43')).toBe(false); // the division code is digits
  });
});

describe('checkOrgForm', () => {
  const good = { ...emptyOrgForm(), name: ' 新建公司 ', uscc: '91350100m000100y43', industry: '物流', employees: '12', party_members: '3', party_org: 'standalone' as const };
  it('trims, upper-cases the credit code and converts the numbers', () => {
    const r = checkOrgForm(good);
    expect(r.ok && r.body).toMatchObject({ name: '新建公司', uscc: '91350100M000100Y43', employees: 12, party_members: 3, party_org: 'standalone' });
  });
  it('names every bad field in Chinese', () => {
    const r = checkOrgForm({ ...good, name: '', uscc: '123', industry: '', employees: '-1', party_members: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(['employees', 'industry', 'name', 'party_members', 'party_org', 'uscc']);
  });
  it('refuses more party members than employees and a standalone organization with fewer than 3', () => {
    const more = checkOrgForm({ ...good, employees: '2', party_members: '3' });
    expect(!more.ok && more.errors.party_members).toBe('党员人数不能超过从业人员');
    const few = checkOrgForm({ ...good, party_members: '2' });
    expect(!few.ok && few.errors.party_org).toMatch('3 名');
  });
});

describe('changedAttributes', () => {
  it('keeps only what changed, and null when nothing did', () => {
    const same = checkOrgForm(formOf(props));
    expect(same.ok && changedAttributes(props, same.body)).toBeNull();
    const edited = checkOrgForm({ ...formOf(props), industry: '新能源', employees: '25' });
    expect(edited.ok && changedAttributes(props, edited.body)).toEqual({ industry: '新能源', employees: 25 });
  });
});

describe('checkRetire', () => {
  const now = Date.parse('2026-12-07T02:00:00Z');
  it('defaults to China’s date', () => {
    expect(chinaToday(Date.parse('2026-12-06T17:00:00Z'))).toBe('2026-12-07');
  });
  it('sends kind, date, note and version', () => {
    expect(checkRetire({ kind: 'moved_out', date: '2026-12-01', note: ' 迁往郑州 ' }, 4, now)).toEqual({
      ok: true,
      body: { kind: 'moved_out', date: '2026-12-01', note: '迁往郑州', version: 4 },
    });
  });
  it('refuses a missing kind, a future date and a missing date', () => {
    const r = checkRetire({ kind: '', date: '2026-12-09', note: '' }, 4, now);
    expect(!r.ok && r.errors).toEqual({ kind: '请选择迁出或注销', date: '日期不能晚于今天' });
    const none = checkRetire({ kind: 'deregistered', date: '', note: '' }, 4, now);
    expect(!none.ok && none.errors.date).toBe('请选择日期');
  });
});

describe('wording', () => {
  it('rounds points to 6 decimals', () => {
    expect(pointAt(113.123456789, 33.987654321)).toEqual({ type: 'Point', coordinates: [113.123457, 33.987654] });
  });
  it('says where the rule put it', () => {
    expect(gridLine(props, (id) => (id === 3 ? '新材料产业网格' : undefined))).toBe('新材料产业网格（属地兜底）');
    expect(gridLine({ ...props, grid_reason: 'industry', grid_id: 9 }, () => undefined)).toBe('网格 #9（行业归口）');
  });
  it('maps server refusals to fields and Chinese messages', () => {
    expect(orgEditFailure(new ApiError(403, 'forbidden', 'Forbidden', 'x', 'geometry'))).toEqual({ field: 'geometry', message: '该位置不在您负责的网格内' });
    expect(orgEditFailure(new ApiError(403, 'forbidden', 'Forbidden', 'x', 'industry')).field).toBe('industry');
    expect(orgEditFailure(new ApiError(409, 'conflict', 'Conflict', 'x', 'uscc'))).toEqual({ field: 'uscc', message: '该统一社会信用代码已登记' });
    expect(orgEditFailure(new ApiError(400, 'invalid', 'Bad', '不在园区范围内 / outside the zone', 'geometry'))).toEqual({ field: 'geometry', message: '不在园区范围内' });
    expect(orgEditFailure(new ApiError(400, 'invalid', 'Bad', 'must not be empty', 'name'))).toEqual({ field: 'name', message: '名称不符合要求' });
    expect(orgEditFailure(new ApiError(409, 'conflict', 'Conflict', 'stale')).field).toBeUndefined();
    expect(orgEditFailure(new Error('x')).message).toMatch('刷新');
  });
  it('lets admins and officers edit', () => {
    expect(['admin', 'officer', 'liaison', 'planner'].map(canEditOrgs)).toEqual([true, true, false, false]);
  });
});
