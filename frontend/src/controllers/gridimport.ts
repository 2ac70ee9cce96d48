// 网格边界 (admins): a second choice in the 数据导入 dialog. The clerk picks
// the zone's boundary file (GeoJSON, KML/KMZ, GeoPackage, or a zip of a
// Shapefile or MapInfo TAB), previews it — the problems by feature, or the
// organizations that would change grid and the liaison loads that would
// leave 5–8 — and confirms (确认导入) a clean preview of the same file.
import { button, el } from '../dom';
import {
  GRID_FILE_ACCEPT,
  gridChangeText,
  gridFieldLabel,
  gridImportUrl,
  gridSummaryOf,
  loadText,
  problemPlace,
  ruleReason,
  type GridImportReport,
} from '../gridimports';
import { CRS_OPTIONS, runImportJob, type Job } from '../imports';
import type { Controller, MapShell } from '../mapshell/mapshell';

const POLL_MS = 600;
/** How many rows each table lists; the counts say how many there are. */
const SHOWN = 500;

type GridJob = Omit<Job, 'result'> & { result: GridImportReport | null };

/** A table in its own horizontal scroller: on a phone a wide table scrolls instead of squeezing its names. */
function table(headers: string[], rows: string[][], className: string): HTMLElement {
  const scroll = el('div', 'grid-import-scroll');
  const t = el('table', `import-table ${className}`);
  scroll.append(t);
  const head = el('tr');
  for (const h of headers) head.append(el('th', undefined, h));
  t.append(head);
  for (const r of rows) {
    const tr = el('tr');
    for (const c of r) tr.append(el('td', undefined, c));
    t.append(tr);
  }
  return scroll;
}

export function gridImportController(): Controller {
  let shell: MapShell;
  let tabs: HTMLElement | null = null;
  let body: HTMLElement | null = null;
  let polling: number | null = null;
  let closed = false;

  function build(): HTMLElement {
    const b = el('div', 'import-body grid-import-body');
    b.id = 'grid-import-body';
    b.hidden = true;
    const file = el('input', 'import-file');
    file.type = 'file';
    file.id = 'grid-import-file';
    file.accept = GRID_FILE_ACCEPT;
    const crs = el('select', 'import-select');
    crs.id = 'grid-import-crs';
    for (const o of CRS_OPTIONS) {
      const opt = el('option', undefined, o.label);
      opt.value = o.value;
      crs.append(opt);
    }
    const form = el('div', 'import-form');
    const field = (text: string, control: HTMLElement) => {
      const l = el('label', 'import-field');
      l.append(el('span', 'import-field-label', text), control);
      return l;
    };
    const zoneFromGrids = el('input');
    zoneFromGrids.type = 'checkbox';
    zoneFromGrids.id = 'grid-import-zone-from-grids';
    form.append(field('边界文件（GeoJSON、KML/KMZ、GeoPackage，或 Shapefile / MapInfo TAB 打包的 zip）', file),
      field('坐标系（高德、腾讯地图上描绘的选 GCJ-02，百度地图的选 BD-09；其余及带投影 .prj 的文件选 WGS84）', crs),
      field('区界改为这些网格的并集（园区缩小、让出土地或向内重画区界时勾选）', zoneFromGrids));
    const note = el('p', 'grid-import-note',
      '文件须包含园区的全部网格：按网格编码更新，新编码新增，文件中没有的网格删除。属性：编码（code/网格编码）、名称、行业（industry/主导产业）。');

    const preview = button('import-run grid-import-preview', '预览（试运行）', () => void run(true));
    const commit = button('import-run grid-import-commit', '确认导入', () => void run(false));
    commit.disabled = true;
    commit.title = '请先预览，无问题后再确认导入';
    const actions = el('div', 'import-actions');
    actions.append(preview, commit);

    const progress = el('p', 'grid-import-progress');
    progress.setAttribute('role', 'status');
    const summary = el('p', 'grid-import-summary');
    summary.setAttribute('role', 'status');
    const details = el('div', 'grid-import-details');
    b.append(form, note, actions, progress, summary, details);

    let previewed = '';
    // The preview's key: 确认导入 commits only what the preview showed.
    let previewKey = '';
    const state = () => JSON.stringify([file.files?.[0]?.name, file.files?.[0]?.size, file.files?.[0]?.lastModified, crs.value,
      zoneFromGrids.checked]);
    const invalidate = () => {
      commit.disabled = previewed === '' || previewed !== state();
    };
    file.addEventListener('change', invalidate);
    crs.addEventListener('change', invalidate);
    zoneFromGrids.addEventListener('change', invalidate);

    function show(r: GridImportReport): void {
      details.replaceChildren();
      if (r.errors.length) {
        details.append(el('h3', 'import-section-title', `问题（${r.error_count} 个）`),
          table(['位置', '字段', '原因'], r.errors.slice(0, SHOWN).map((p) => [problemPlace(p), gridFieldLabel(p.field), p.reason]),
            'grid-import-problems'));
        return;
      }
      const changes = r.changes ?? [];
      if (changes.length) {
        const n = r.inserted + r.updated + r.removed;
        details.append(el('h3', 'import-section-title', `网格变化（${n} 个${n > changes.length ? `，列出前 ${changes.length} 个` : ''}）`),
          table(['网格', '变化'], changes.map((c) => [c.code, gridChangeText(c)]), 'grid-import-changes'));
      }
      if (r.moves.length) {
        details.append(el('h3', 'import-section-title', `改变网格的企业（${r.moved} 家${r.moved > SHOWN ? `，列出前 ${SHOWN} 家` : ''}）`),
          table(['企业', '统一社会信用代码', '原网格', '新网格', '依据', '包联'], r.moves.slice(0, SHOWN).map((m) => [
            m.name, m.uscc, m.from_grid || '（无）', m.to_grid || '（无）', ruleReason(m.reason), m.liaison_ended ? '解除（联络员不在新网格）' : '保留',
          ]), 'grid-import-moves'));
      } else {
        details.append(el('p', 'grid-import-none', '没有企业改变网格。'));
      }
      const rereasons = r.rereasons ?? [];
      if (rereasons.length) {
        const n = r.rereasoned ?? rereasons.length;
        details.append(el('h3', 'import-section-title', `留在原网格、归属依据改变的企业（${n} 家${n > SHOWN ? `，列出前 ${SHOWN} 家` : ''}）`),
          table(['企业', '统一社会信用代码', '网格', '原依据', '新依据'], rereasons.slice(0, SHOWN).map((m) => [
            m.name, m.uscc, m.to_grid, ruleReason(m.from_reason), ruleReason(m.reason),
          ]), 'grid-import-moves grid-import-rereasons'));
      }
      if (r.loads.length) {
        const list = el('ul', 'grid-import-loads');
        for (const l of r.loads) list.append(el('li', undefined, loadText(l)));
        details.append(el('h3', 'import-section-title', `联络员负荷将超出范围（${r.loads.length} 名）`), list);
      }
    }

    const pause = (): Promise<boolean> =>
      closed ? Promise.resolve(false) : new Promise((r) => (polling = window.setTimeout(() => r(!closed), POLL_MS)));

    async function run(dryRun: boolean): Promise<void> {
      const f = file.files?.[0];
      if (!f) {
        summary.textContent = '请先选择边界文件。';
        summary.dataset.tone = 'error';
        file.focus();
        return;
      }
      const before = state();
      preview.disabled = commit.disabled = true;
      summary.textContent = '';
      delete summary.dataset.tone;
      progress.textContent = '正在上传…';
      try {
        const data = new FormData();
        data.append('file', f, f.name);
        const job = await runImportJob<GridJob>(gridImportUrl(crs.value, dryRun, dryRun ? '' : previewKey, zoneFromGrids.checked), data, (j) => {
          progress.textContent = j.status === 'queued' ? '排队中…' : '正在读取并检查（自相交、重叠、空隙）…';
        }, pause);
        if (job.status === 'failed' || !job.result) throw new Error(job.error || '导入任务失败');
        const r = job.result;
        progress.textContent = '';
        summary.textContent = gridSummaryOf(r);
        summary.dataset.tone = r.error_count ? 'error' : 'ok';
        show(r);
        previewed = dryRun && r.error_count === 0 ? before : '';
        previewKey = previewed ? r.preview_key : '';
        if (r.written) shell.act.reload({ all: true });
      } catch (err) {
        summary.textContent = `${dryRun ? '预览' : '导入'}失败：${err instanceof Error ? err.message : String(err)}`;
        summary.dataset.tone = 'error';
        progress.textContent = '';
        previewed = '';
      } finally {
        preview.disabled = false;
        invalidate();
      }
    }
    return b;
  }

  return {
    mount(s) {
      shell = s;
      if (s.user.role !== 'admin') return;
      // The 数据导入 dialog (controllers/import.ts) is built by now: add a
      // choice between its register import and this one.
      const box = document.querySelector<HTMLElement>('#import-dialog .import-box');
      const registerBody = box?.querySelector<HTMLElement>('.import-body:not(.grid-import-body)');
      const title = box?.querySelector<HTMLElement>('#import-title');
      if (!box || !registerBody || !title) return;
      body = build();
      tabs = el('div', 'grid-import-tabs');
      tabs.setAttribute('role', 'tablist');
      const choices: [string, string, HTMLElement][] = [['企业名录', 'orgs', registerBody], ['网格边界', 'grids', body]];
      const buttons = choices.map(([label, key, panel]) => {
        const t = button('grid-import-tab', label, () => {
          for (const [, , p] of choices) p.hidden = p !== panel;
          for (const other of buttons) other.setAttribute('aria-selected', String(other === t));
          title.textContent = `数据导入 · ${label}`;
        });
        t.id = `import-tab-${key}`;
        t.setAttribute('role', 'tab');
        t.setAttribute('aria-selected', String(key === 'orgs'));
        return t;
      });
      tabs.append(...buttons);
      registerBody.before(tabs);
      box.append(body);
    },
    unmount() {
      closed = true;
      if (polling !== null) clearTimeout(polling);
      tabs?.remove();
      body?.remove();
      tabs = body = null;
    },
  };
}
