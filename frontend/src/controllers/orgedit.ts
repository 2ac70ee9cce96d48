// Registering, moving, placing, editing and retiring organizations, for
// admins and grid officers: 新增企业 (click the map, fill the form),
// 移动位置 (drag the marker, confirm), 待定位 (the organizations registered
// without coordinates, placed by clicking the map), and the organization
// panel's 企业信息 section (edit, move, 迁出/注销). While a place is being
// picked the map's clicks go here, not to the features under them.
import * as maplibregl from 'maplibre-gl';
import type { OrgFeature, OrgKind, OrgProperties, PartyOrg, UnlocatedOrg } from '../api';
import { button, el, formFields, noticeLine, segment } from '../dom';
import { kindLabel, orgKinds, partyOrgLabel } from '../i18n';
import { fromMap, onDatumChange, toMap } from '../layers/sources';
import type { Controller, MapShell } from '../mapshell/mapshell';
import {
  ORG_FIELDS,
  RETIRE_KINDS,
  canEditOrgs,
  changedAttributes,
  checkOrgForm,
  checkRetire,
  chinaToday,
  emptyOrgForm,
  formOf,
  gridLine,
  orgEditFailure,
  pointAt,
  retireKindLabel,
  type OrgFormValues,
} from '../orgedit';
import { setPanelOpen, shell as page } from '../shell';
import type { PanelOwner } from '../sidepanel';

type Mode = { kind: 'add' } | { kind: 'move'; org: OrgFeature } | { kind: 'place'; org: UnlocatedOrg };

interface BannerButton {
  label: string;
  name: string;
  primary?: boolean;
  onClick(): void;
}

const PARTY_ORGS: readonly PartyOrg[] = ['none', 'standalone', 'joint'];

export function orgEditController(): Controller {
  let shell: MapShell;
  let mode: Mode | null = null;
  let marker: maplibregl.Marker | null = null;
  /** Where the marker stands, stored (WGS84): a change of basemap datum redraws it there. */
  let markerStored: [number, number] | null = null;
  let stopDatumWatch: (() => void) | null = null;
  let busy = false;
  let banner: HTMLElement;
  let addButton: HTMLButtonElement;
  let unlocatedButton: HTMLButtonElement;
  let unlocated: UnlocatedOrg[] = [];
  /** The 新增企业 form's location line, while it is open. */
  let addForm: { values: OrgFormValues; at: maplibregl.LngLat | null; where: HTMLElement } | null = null;

  // The side panel views of this controller: the 新增企业 form and the 待定位 list.
  const owner: PanelOwner = {
    release() {
      addForm = null;
      busy = false;
      if (mode?.kind === 'add') stop();
    },
    busy: () => busy,
  };

  const gridName = (id: number) => shell.store.get().gridById.get(id)?.properties.name;

  function setMode(next: Mode | null): void {
    mode = next;
    shell.store.set({ picking: next?.kind ?? null });
    shell.map.getCanvas().style.cursor = next ? 'crosshair' : '';
    addButton.setAttribute('aria-pressed', String(next?.kind === 'add'));
    if (!next) banner.hidden = true;
  }

  function stop(): void {
    marker?.remove();
    marker = null;
    setMode(null);
  }

  function showBanner(message: string, buttons: BannerButton[], tone: 'info' | 'confirm' | 'error' = 'info'): void {
    banner.replaceChildren(el('span', 'edit-banner-text', message));
    banner.dataset.tone = tone;
    banner.dataset.mode = mode?.kind ?? '';
    const row = el('span', 'edit-banner-buttons');
    for (const b of buttons) {
      const btn = button(`banner-button${b.primary ? ' primary' : ''}`, b.label, b.onClick);
      btn.dataset.action = b.name;
      row.append(btn);
    }
    banner.append(row);
    banner.hidden = false;
  }

  const cancel: BannerButton = { label: '取消', name: 'cancel', onClick: () => stop() };

  function putMarker(at: maplibregl.LngLatLike): void {
    if (marker) marker.setLngLat(at);
    else {
      marker = new maplibregl.Marker({ draggable: true, color: '#c8161d' }).setLngLat(at).addTo(shell.map);
      marker.getElement().classList.add('edit-marker');
      marker.getElement().setAttribute('aria-label', '企业位置（可拖动）');
      marker.on('dragend', () => {
        markerStored = fromMap(shell.map, marker!.getLngLat());
        picked(marker!.getLngLat());
      });
    }
    markerStored = fromMap(shell.map, marker.getLngLat());
  }

  /** A position picked on the map (drawn in the basemap's datum) as stored: WGS84. */
  function stored(at: maplibregl.LngLat): maplibregl.LngLat {
    const [lng, lat] = fromMap(shell.map, at);
    return new maplibregl.LngLat(lng, lat);
  }

  function onMapClick(e: maplibregl.MapMouseEvent): void {
    if (!mode || busy) return;
    putMarker(e.lngLat);
    picked(e.lngLat);
  }

  /** A place was picked (a click, or the marker dropped), where the map draws it. */
  function picked(drawnAt: maplibregl.LngLat): void {
    if (!mode) return;
    const at = stored(drawnAt);
    if (mode.kind === 'add') {
      if (!addForm) {
        openAddForm();
        // On a phone the form is a sheet over the lower map: keep the marker above it.
        if (isPhone()) shell.flyTo([at.lng, at.lat]);
      }
      addForm!.at = at;
      addForm!.where.textContent = `经度 ${at.lng.toFixed(6)}，纬度 ${at.lat.toFixed(6)}（可拖动标记微调）`;
      // On a phone the sheet's form says where it is; the banner would hide the marker.
      if (isPhone()) banner.hidden = true;
      else showBanner('已选定位置，请在右侧填写企业信息', [cancel]);
      return;
    }
    const org = mode.org;
    const verb = mode.kind === 'move' ? '移动' : '放置';
    showBanner(
      `将「${org.properties.name}」${verb}到此处？（${at.lng.toFixed(5)}, ${at.lat.toFixed(5)}）`,
      [{ label: `确认${verb}`, name: 'confirm', primary: true, onClick: () => void save(org, at) }, cancel],
      'confirm',
    );
  }

  /** Saves a move or a placement. */
  async function save(org: OrgFeature | UnlocatedOrg, at: maplibregl.LngLat): Promise<void> {
    if (busy || !mode) return;
    const kind = mode.kind;
    busy = true;
    showBanner('正在保存…', []);
    try {
      const out = await shell.api.patchOrg(org.id, { version: org.properties.version ?? 1, geometry: pointAt(at.lng, at.lat) });
      busy = false;
      stop();
      await shell.data.reloadOrg(org.id, { wrote: true, keep: true });
      shell.data.showCounts();
      if (kind === 'place') void loadUnlocated();
      const verb = kind === 'move' ? '已移动' : '已定位';
      shell.act.openOrg(out.id, `${verb}，现属 ${gridLine(out.properties, gridName)}`);
    } catch (err) {
      busy = false;
      const failure = orgEditFailure(err);
      const retry: BannerButton = { label: '重新选择', name: 'retry', onClick: () => showBanner(pickPrompt(), [cancel]) };
      showBanner(`未能保存：${failure.message}`, [retry, cancel], 'error');
      console.warn('gridgis: moving an organization failed', err);
    }
  }

  function pickPrompt(): string {
    if (!mode) return '';
    if (mode.kind === 'add') return '点击地图上企业所在位置';
    if (mode.kind === 'move') return `拖动红色标记，或点击地图上的新位置（「${mode.org.properties.name}」）`;
    return `点击地图上「${mode.org.properties.name}」所在位置`;
  }

  // ---- 新增企业 -------------------------------------------------------------

  function startAdd(): void {
    if (mode?.kind === 'add') {
      stop();
      if (shell.side.owns(owner)) shell.side.close();
      return;
    }
    stop();
    shell.popup.remove();
    setMode({ kind: 'add' });
    showBanner(pickPrompt(), [cancel]);
    // On a phone the form would cover the map: it opens once the place is picked.
    if (!isPhone()) openAddForm();
  }

  function openAddForm(): void {
    setPanelOpen(false);
    shell.side.claim(owner, 'org-new', '新增企业');
    const values = emptyOrgForm();
    const where = el('p', 'pick-where', '尚未选择：请点击地图上企业所在位置');
    addForm = { values, at: null, where };
    const { form, showErrors, setBusy, message } = orgForm('org-new', values, '新增企业', async () => {
      const checked = checkOrgForm(values);
      const errors = checked.ok ? {} : { ...checked.errors };
      const at = addForm?.at;
      if (!at) errors.geometry = '请先在地图上点击企业所在位置';
      if (!checked.ok || !at) {
        showErrors(errors);
        return;
      }
      showErrors({});
      busy = true;
      setBusy(true);
      try {
        const org = await shell.api.createOrg({ ...checked.body, geometry: pointAt(at.lng, at.lat) });
        busy = false;
        stop();
        await shell.data.reloadOrg(org.id, { wrote: true, keep: true });
        shell.data.showCounts();
        shell.act.openOrg(org.id, `已新增，划入 ${gridLine(org.properties, gridName)}`);
      } catch (err) {
        busy = false;
        setBusy(false);
        const failure = orgEditFailure(err);
        if (failure.field) showErrors({ [failure.field]: failure.message });
        else message.textContent = failure.message;
        console.warn('gridgis: registering an organization failed', err);
      }
    }, where);
    shell.side.body.replaceChildren(el('p', 'muted', '在地图上点击企业位置，填写信息后提交；系统按“行业归口、属地兜底”自动划入网格。'), form);
  }

  // ---- 待定位 -----------------------------------------------------------------

  async function loadUnlocated(): Promise<void> {
    try {
      unlocated = await shell.api.unlocatedOrgs(shell.signal);
    } catch (err) {
      if (!shell.aborted) console.warn('gridgis: loading the unlocated organizations failed', err);
      return;
    }
    unlocatedButton.hidden = false;
    const count = unlocatedButton.querySelector('.tool-count')!;
    count.textContent = unlocated.length > 0 ? String(unlocated.length) : '';
    unlocatedButton.dataset.count = String(unlocated.length);
    if (shell.side.owns(owner) && shell.side.root.dataset.view === 'unlocated') renderUnlocated();
  }

  function openUnlocated(): void {
    stop();
    setPanelOpen(false);
    shell.side.claim(owner, 'unlocated', '待定位企业');
    renderUnlocated();
    void loadUnlocated();
  }

  function renderUnlocated(): void {
    if (unlocated.length === 0) {
      shell.side.body.replaceChildren(el('p', 'muted', '没有待定位的企业。导入时缺少坐标的企业会列在这里，点击地图即可定位。'));
      return;
    }
    const list = el('ul', 'unlocated-list');
    for (const org of unlocated) {
      const p = org.properties;
      const item = el('li', 'unlocated-item');
      item.dataset.orgId = String(org.id);
      const text = el('div', 'unlocated-text');
      text.append(el('strong', '', p.name), el('span', 'muted', `${p.uscc} · ${p.industry}${p.address ? ` · ${p.address}` : ''}`));
      item.append(
        text,
        button('action-button tone-primary place-button', '在地图上定位', () => {
          stop();
          setMode({ kind: 'place', org });
          showBanner(pickPrompt(), [cancel]);
          if (isPhone()) shell.side.close();
        }),
      );
      list.append(item);
    }
    shell.side.body.replaceChildren(el('p', 'muted', `共 ${unlocated.length} 家企业缺少坐标。选择一家，再点击地图上它的位置。`), list);
  }

  // ---- 移动位置 ---------------------------------------------------------------

  function moveOrg(id: number): void {
    const org = shell.store.get().orgById.get(id);
    if (!org) return;
    stop();
    shell.popup.remove();
    setMode({ kind: 'move', org });
    putMarker(toMap(shell.map, org.geometry.coordinates));
    shell.flyTo(org.geometry.coordinates as [number, number]);
    showBanner(pickPrompt(), [cancel]);
  }

  // ---- 企业信息 (the organization panel's section) -------------------------------

  function editSection(org: OrgFeature, reshow: (notice?: string) => void): HTMLElement | null {
    if (!canEditOrgs(shell.user.role)) return null;
    const p = org.properties;
    const box = el('div', 'org-edit');
    const facts = el('dl', 'org-facts');
    const fact = (k: string, v: string) => facts.append(el('dt', '', k), el('dd', '', v));
    fact('统一社会信用代码', p.uscc);
    fact('类型 / 行业', `${kindLabel(p.kind)} · ${p.industry}`);
    fact('地址', p.address || '—');
    fact('从业人员 / 党员', `${p.employees} / ${p.party_members}（${partyOrgLabel(p.party_org)}）`);
    fact('网格归属', gridLine(p, gridName));
    const area = el('div', 'org-edit-area');
    const actions = el('div', 'org-edit-actions');
    actions.append(
      button('action-button', '编辑信息', () => area.replaceChildren(editForm(org, reshow))),
      button('action-button', '移动位置', () => moveOrg(org.id)),
      button('action-button tone-danger', '迁出 / 注销', () => area.replaceChildren(retireForm(org.id, p))),
    );
    box.append(facts, actions);
    if (shell.user.role === 'admin') box.append(manualGridForm(org, reshow));
    box.append(area);
    return box;
  }

  /** Admins fix the grid by hand (人工调整), kept until set back to the rule. */
  function manualGridForm(org: OrgFeature, reshow: (notice?: string) => void): HTMLElement {
    const p = org.properties;
    const f = el('form', 'manual-grid');
    f.noValidate = true;
    const select = el('select', 'input');
    select.id = 'org-manual-grid';
    select.append(new Option('按规则划分（行业归口、属地兜底）', ''));
    for (const g of shell.store.get().grids) select.append(new Option(g.properties.name, String(g.id)));
    select.value = p.grid_reason === 'manual' ? String(p.grid_id) : '';
    const lab = el('label', 'label', '手工指定网格（管理员）');
    lab.htmlFor = select.id;
    const save = el('button', 'submit tone-default', '保存网格');
    save.type = 'submit';
    const message = el('p', 'form-message');
    message.setAttribute('role', 'alert');
    const row = el('div', 'manual-grid-row');
    row.append(select, save);
    f.append(lab, row, message);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (busy) return;
      const id = select.value === '' ? null : Number(select.value);
      if (id === null && p.grid_reason !== 'manual') {
        message.textContent = '当前已按规则划分';
        return;
      }
      busy = true;
      save.disabled = true;
      try {
        const out = await shell.api.patchOrg(org.id, id === null ? { version: p.version ?? 1, grid_id: null } : { version: p.version ?? 1, grid_id: id, grid_reason: 'manual' });
        busy = false;
        shell.data.orgWritten();
        reshow(`网格归属：${gridLine(out.properties, gridName)}`);
      } catch (err) {
        busy = false;
        save.disabled = false;
        message.textContent = orgEditFailure(err).message;
        console.warn('gridgis: setting a grid by hand failed', err);
      }
    });
    return f;
  }

  function editForm(org: OrgFeature, reshow: (notice?: string) => void): HTMLElement {
    const values = formOf(org.properties);
    const { form, showErrors, setBusy, message } = orgForm('org-edit', values, '保存修改', async () => {
      const checked = checkOrgForm(values);
      if (!checked.ok) {
        showErrors(checked.errors);
        return;
      }
      showErrors({});
      const changes = changedAttributes(org.properties, checked.body);
      if (!changes) {
        message.textContent = '没有修改';
        return;
      }
      busy = true;
      setBusy(true);
      try {
        const out = await shell.api.patchOrg(org.id, { version: org.properties.version ?? 1, ...changes });
        busy = false;
        // Its kind or grid may be what a large scope's tiles draw.
        shell.data.orgWritten();
        const moved = out.properties.grid_id !== org.properties.grid_id || out.properties.grid_reason !== org.properties.grid_reason;
        reshow(moved ? `已保存，网格归属变为 ${gridLine(out.properties, gridName)}` : '已保存');
      } catch (err) {
        busy = false;
        setBusy(false);
        const failure = orgEditFailure(err);
        if (failure.field) showErrors({ [failure.field]: failure.message });
        else message.textContent = failure.message;
        console.warn('gridgis: changing an organization failed', err);
      }
    });
    return form;
  }

  function retireForm(id: number, p: OrgProperties): HTMLElement {
    const f = el('form', 'retire-form');
    f.noValidate = true;
    const { field, showErrors } = formFields('org-retire');
    const state = { kind: '' as string, date: chinaToday(Date.now()), note: '' };
    const kinds = el('fieldset', 'segmented');
    kinds.setAttribute('aria-label', '类型');
    for (const k of RETIRE_KINDS) {
      const seg = segment('retire-kind', k, false, retireKindLabel(k), k === 'moved_out' ? '迁往园区外' : '企业注销');
      seg.input.addEventListener('change', () => (state.kind = k));
      kinds.append(seg.label);
    }
    const date = el('input', 'input');
    date.type = 'date';
    date.value = state.date;
    date.max = state.date;
    date.addEventListener('input', () => (state.date = date.value));
    const note = el('textarea', 'input');
    note.rows = 2;
    note.placeholder = '如：迁往郑州市；经营期满注销';
    note.addEventListener('input', () => (state.note = note.value));
    const message = el('p', 'form-message');
    message.setAttribute('role', 'alert');
    const buttons = el('div', 'form-buttons');
    const submit = el('button', 'submit tone-danger', '登记');
    submit.type = 'submit';
    buttons.append(submit);
    f.append(field('kind', '类型', kinds), field('date', '日期', date), field('note', '说明（选填）', note), message, buttons);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      if (busy) return;
      const checked = checkRetire(state, p.version ?? 1, Date.now());
      if (!checked.ok) {
        showErrors(checked.errors);
        return;
      }
      showErrors({});
      const label = retireKindLabel(checked.body.kind);
      // Confirm: it leaves the map at once.
      const confirmBox = el('div', 'confirm-box');
      confirmBox.setAttribute('role', 'alertdialog');
      confirmBox.append(el('p', '', `确认将「${p.name}」登记为${label}（${checked.body.date}）？登记后该企业从地图、列表和覆盖率统计中移除，历史记录保留。`));
      const yes = button('submit tone-danger', `确认${label}`, async () => {
        busy = true;
        yes.disabled = true;
        try {
          await shell.api.retireOrg(id, checked.body);
          busy = false;
          await shell.data.reloadOrg(id, { wrote: true });
          shell.data.showCounts();
          shell.side.body.replaceChildren(
            noticeLine(`「${p.name}」已登记${label}（${checked.body.date}），已从地图移除，历史记录保留。`, 'status'),
          );
          shell.side.root.dataset.retired = checked.body.kind;
        } catch (err) {
          busy = false;
          const failure = orgEditFailure(err);
          confirmBox.remove();
          buttons.hidden = false;
          if (failure.field) showErrors({ [failure.field]: failure.message });
          else message.textContent = failure.message;
          console.warn('gridgis: retiring an organization failed', err);
        }
      });
      yes.dataset.action = 'confirm-retire';
      const back = button('submit tone-default', '返回', () => {
        confirmBox.remove();
        buttons.hidden = false;
      });
      confirmBox.append(yes, back);
      buttons.hidden = true;
      f.append(confirmBox);
    });
    return f;
  }

  /** The organization form (新增企业 and 编辑信息): Chinese labels, errors beside the fields. */
  function orgForm(prefix: string, values: OrgFormValues, submitLabel: string, onSubmit: () => Promise<void>, where?: HTMLElement) {
    const f = el('form', 'org-form');
    f.noValidate = true;
    const { field, showErrors } = formFields(prefix);
    const text = (key: 'name' | 'uscc' | 'industry' | 'address' | 'employees' | 'party_members', placeholder: string, inputMode?: string) => {
      const input = el('input', 'input');
      input.value = values[key];
      input.placeholder = placeholder;
      if (inputMode) input.inputMode = inputMode;
      input.addEventListener('input', () => (values[key] = input.value));
      return input;
    };
    const kind = el('select', 'input');
    for (const k of orgKinds) kind.append(new Option(kindLabel(k), k));
    kind.value = values.kind;
    kind.addEventListener('change', () => (values.kind = kind.value as OrgKind));
    const party = el('select', 'input');
    for (const k of PARTY_ORGS) party.append(new Option(partyOrgLabel(k), k));
    party.value = values.party_org;
    party.addEventListener('change', () => (values.party_org = party.value as PartyOrg));
    const flags = el('div', 'check-row');
    for (const [key, label] of [
      ['high_tech', '高新技术企业'],
      ['specialized', '专精特新'],
    ] as const) {
      const box = el('input');
      box.type = 'checkbox';
      box.checked = values[key];
      box.id = `${prefix}-${key}`;
      box.addEventListener('change', () => (values[key] = box.checked));
      const lab = el('label', 'check');
      lab.append(box, el('span', '', label));
      flags.append(lab);
    }
    const message = el('p', 'form-message');
    message.setAttribute('role', 'alert');
    const submit = el('button', 'submit tone-primary', submitLabel);
    submit.type = 'submit';
    const buttons = el('div', 'form-buttons');
    buttons.append(submit);
    const fields: HTMLElement[] = [];
    if (where) fields.push(field('geometry', '位置', where));
    fields.push(
      field('name', '名称', text('name', '企业或组织全称')),
      field('uscc', '统一社会信用代码', text('uscc', '18 位代码')),
      field('kind', '类型', kind),
      field('industry', '所属行业', text('industry', '如：新材料、物流')),
      field('employees', '从业人员', text('employees', '人数', 'numeric')),
      field('party_members', '党员人数', text('party_members', '正式党员人数', 'numeric')),
      field('party_org', '党组织情况', party),
      field('address', '地址（选填）', text('address', '街道门牌')),
    );
    f.append(...fields, flags, message, buttons);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      if (busy) return;
      message.textContent = '';
      void onSubmit();
    });
    const setBusy = (on: boolean) => {
      submit.disabled = on;
      submit.textContent = on ? '正在提交…' : submitLabel;
    };
    // Errors for fields the form does not show go to the message line.
    const show = (errors: Partial<Record<string, string>>) => {
      showErrors(errors);
      const other = Object.entries(errors).find(([k]) => !(ORG_FIELDS as readonly string[]).includes(k) || (k === 'geometry' && !where));
      if (other) message.textContent = other[1] ?? '';
    };
    return { form: f, showErrors: show, setBusy, message };
  }

  return {
    mount(s) {
      shell = s;
      s.provide('moveOrg', moveOrg);
      s.provide('orgEditSection', editSection);
      if (!canEditOrgs(s.user.role)) return;
      banner = el('div', 'edit-banner');
      banner.hidden = true;
      banner.setAttribute('role', 'status');
      page.map.append(banner);
      addButton = toolButton('tool-add-org', '新增企业', '在地图上点击位置，新增企业', 'M12 5v14 M5 12h14');
      addButton.addEventListener('click', startAdd);
      unlocatedButton = toolButton('tool-unlocated', '待定位', '缺少坐标、待在地图上定位的企业', 'M12 21s-6-5.5-6-10a6 6 0 0 1 12 0c0 4.5-6 10-6 10z M12 8v3 M12 13.5v.5');
      unlocatedButton.append(el('span', 'tool-count'));
      unlocatedButton.hidden = true;
      unlocatedButton.addEventListener('click', openUnlocated);
    },
    drawn() {
      if (!canEditOrgs(shell.user.role)) return;
      shell.map.on('click', onMapClick);
      // The data moves with a new basemap's datum: the marker must stay on its place too.
      stopDatumWatch = onDatumChange(shell.map, () => {
        if (marker && markerStored) marker.setLngLat(toMap(shell.map, markerStored));
      });
      void loadUnlocated();
    },
    unmount() {
      if (!canEditOrgs(shell.user.role)) return;
      stopDatumWatch?.();
      marker?.remove();
      banner.remove();
      addButton.remove();
      unlocatedButton.remove();
    },
  };
}

/** Narrow screens show the side panel as a sheet over the lower map. */
function isPhone(): boolean {
  return window.matchMedia('(max-width: 760px)').matches;
}

/** A top-bar tool button, added to the tools for editors only. */
function toolButton(id: string, label: string, title: string, path: string): HTMLButtonElement {
  const b = el('button', 'tool');
  b.type = 'button';
  b.id = id;
  b.title = title;
  b.setAttribute('aria-label', label);
  b.setAttribute('aria-pressed', 'false');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const d = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  d.setAttribute('d', path);
  svg.append(d);
  b.append(svg, el('span', '', label));
  document.querySelector('nav.tools')!.append(b);
  return b;
}
