// 数据导入 (admins): a top-bar button opening the organization register
// import. The clerk picks a file, its coordinate system and encoding, runs
// a check first (试运行), corrects the column mapping if the header was
// misread, reads the problems by row, and imports once the check is clean.
// The import runs as a job on the server; its progress is polled.
import { button, el } from '../dom';
import {
  CRS_OPTIONS,
  ENCODING_OPTIONS,
  IMPORT_FIELDS,
  fieldLabel,
  importUrl,
  mappingJSON,
  mappingOf,
  progressOf,
  runImportJob,
  summaryOf,
  type ImportProblem,
  type ImportReport,
  type Job,
} from '../imports';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { shell as page } from '../shell';

const IMPORT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 15V3 M7 8l5-5 5 5 M4 17v3h16v-3" /></svg>';
/** How many problems the table lists; the count says how many there are. */
const SHOWN_PROBLEMS = 500;
const POLL_MS = 600;

function select(id: string, options: { value: string; label: string }[]): HTMLSelectElement {
  const s = el('select', 'import-select');
  s.id = id;
  for (const o of options) {
    const opt = el('option', undefined, o.label);
    opt.value = o.value;
    s.append(opt);
  }
  return s;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const l = el('label', 'import-field');
  l.append(el('span', 'import-field-label', text), control);
  return l;
}

export function importController(): Controller {
  let shell: MapShell;
  let tool: HTMLButtonElement | null = null;
  let dialog: HTMLElement | null = null;
  let polling: number | null = null;
  let closed = false;

  function build(): HTMLElement {
    const d = el('div', 'import-dialog');
    d.id = 'import-dialog';
    d.setAttribute('role', 'dialog');
    d.setAttribute('aria-modal', 'true');
    d.setAttribute('aria-labelledby', 'import-title');
    d.hidden = true;
    const box = el('div', 'import-box');
    const head = el('div', 'import-head');
    const title = el('h2', 'import-title', '数据导入 · 企业名录');
    title.id = 'import-title';
    const close = button('import-close', '×', () => setOpen(false));
    close.setAttribute('aria-label', '关闭');
    head.append(title, close);

    const file = el('input', 'import-file');
    file.type = 'file';
    file.id = 'import-file';
    file.accept = '.csv,.txt,.xlsx,.geojson,.json';
    const crs = select('import-crs', CRS_OPTIONS);
    const encoding = select('import-encoding', ENCODING_OPTIONS);
    const sheet = el('input', 'import-sheet');
    sheet.id = 'import-sheet';
    sheet.placeholder = '默认第一个';
    const form = el('div', 'import-form');
    form.append(labelled('文件（CSV、XLSX、GeoJSON）', file), labelled('坐标系', crs), labelled('编码（CSV）', encoding),
      labelled('工作表（XLSX）', sheet));

    const check = button('import-run import-check', '试运行（检查）', () => void run(true));
    const commit = button('import-run import-commit', '导入', () => void run(false));
    commit.disabled = true;
    commit.title = '请先试运行，无问题后再导入';
    const actions = el('div', 'import-actions');
    actions.append(check, commit);

    const progress = el('div', 'import-progress');
    progress.hidden = true;
    const bar = el('progress', 'import-bar');
    bar.max = 1;
    const progressText = el('p', 'import-progress-text');
    progressText.setAttribute('role', 'status');
    progress.append(bar, progressText);

    const summary = el('p', 'import-summary');
    summary.setAttribute('role', 'status');
    const mappingBox = el('section', 'import-mapping');
    const problemsBox = el('section', 'import-problems');
    const warningsBox = el('section', 'import-warnings');
    const unlocatedBox = el('section', 'import-unlocated');
    const body = el('div', 'import-body');
    // What to fix first, then the mapping (long for a wide register).
    body.append(form, actions, progress, summary, problemsBox, warningsBox, unlocatedBox, mappingBox);
    box.append(head, body);
    d.append(box);

    // The mapping the clerk set; null: the server guesses it from the header.
    let mapping: Record<number, string> | null = null;
    // The options and mapping of the last clean check: 导入 imports exactly that.
    let checked = '';
    const state = () => JSON.stringify([file.files?.[0]?.name, file.files?.[0]?.size, file.files?.[0]?.lastModified,
      crs.value, encoding.value, sheet.value, mapping]);
    const invalidate = () => {
      commit.disabled = checked === '' || checked !== state();
    };
    for (const c of [file, crs, encoding, sheet]) {
      c.addEventListener('change', () => {
        if (c === file) mapping = null; // another file, another header
        invalidate();
      });
    }

    function showMapping(r: ImportReport): void {
      mappingBox.replaceChildren();
      if (!r.header?.length) return;
      mappingBox.append(el('h3', 'import-section-title', `列映射（表头在第 ${r.header_row} 行，可改正后重新试运行）`));
      const table = el('table', 'import-table import-mapping-table');
      const current = mapping ?? mappingOf(r);
      r.header.forEach((h, i) => {
        const tr = el('tr');
        const s = select(`import-map-${i}`, IMPORT_FIELDS.map((f) => ({ value: f.field, label: f.label })));
        s.value = current[i] ?? '';
        s.setAttribute('aria-label', `第 ${i + 1} 列“${h}”对应的字段`);
        s.addEventListener('change', () => {
          mapping = { ...(mapping ?? mappingOf(r)), [i]: s.value };
          invalidate();
        });
        const td = el('td');
        td.append(s);
        tr.append(el('th', undefined, `第 ${i + 1} 列`), el('td', 'import-head-cell', h || '（空）'), td);
        table.append(tr);
      });
      mappingBox.append(table);
    }

    /** A table of row problems (or warnings) under a title with their count. */
    function problemTable(box: HTMLElement, kind: string, cls: string, list: ImportProblem[], count: number): void {
      box.replaceChildren();
      if (!list.length) return;
      box.append(el('h3', 'import-section-title', `${kind}（${count} 个${count > SHOWN_PROBLEMS ? `，列出前 ${SHOWN_PROBLEMS} 个` : ''}）`));
      const table = el('table', `import-table ${cls}`);
      const head = el('tr');
      head.append(el('th', undefined, '行'), el('th', undefined, '字段'), el('th', undefined, '原因'));
      table.append(head);
      for (const p of list.slice(0, SHOWN_PROBLEMS)) {
        const tr = el('tr');
        tr.append(el('td', 'import-row-num', p.row > 0 ? String(p.row) : '—'), el('td', undefined, fieldLabel(p.field)), el('td', undefined, p.reason));
        table.append(tr);
      }
      box.append(table);
    }

    function showProblems(r: ImportReport): void {
      problemTable(problemsBox, '问题', 'import-problems-table', r.errors, r.error_count);
      problemTable(warningsBox, '提醒（可照常导入）', 'import-warnings-table', r.warnings ?? [], r.warning_count ?? 0);
    }

    function showUnlocated(r: ImportReport): void {
      unlocatedBox.replaceChildren();
      if (!r.unlocated.length) return;
      unlocatedBox.append(el('h3', 'import-section-title', `无坐标，导入后待在地图上定位（${r.unlocated_count} 家）`));
      const list = el('ul', 'import-unlocated-list');
      for (const u of r.unlocated.slice(0, SHOWN_PROBLEMS)) list.append(el('li', undefined, `第 ${u.row} 行 · ${u.name} · ${u.uscc}`));
      unlocatedBox.append(list);
    }

    /** Waits a poll's time; false once the page is closed. */
    const pause = (): Promise<boolean> =>
      closed ? Promise.resolve(false) : new Promise((r) => (polling = window.setTimeout(() => r(!closed), POLL_MS)));

    async function run(dryRun: boolean): Promise<void> {
      const f = file.files?.[0];
      if (!f) {
        summary.textContent = '请先选择文件。';
        summary.dataset.tone = 'error';
        file.focus();
        return;
      }
      const before = state();
      check.disabled = commit.disabled = true;
      summary.textContent = '';
      delete summary.dataset.tone;
      progress.hidden = false;
      bar.removeAttribute('value');
      progressText.textContent = '正在上传…';
      try {
        const data = new FormData();
        data.append('file', f, f.name);
        if (mapping) data.append('mapping', mappingJSON(mapping));
        const url = importUrl({ crs: crs.value, encoding: encoding.value, sheet: sheet.value, dryRun });
        const job = await runImportJob<Job>(url, data, (j) => {
          const { text, fraction } = progressOf(j, dryRun);
          progressText.textContent = text;
          if (fraction === null) bar.removeAttribute('value');
          else bar.value = fraction;
        }, pause);
        if (job.status === 'failed' || !job.result) throw new Error(job.error || '导入任务失败');
        const r = job.result;
        summary.textContent = summaryOf(r);
        summary.dataset.tone = r.errors.length ? 'error' : r.warning_count ? 'warn' : 'ok';
        showMapping(r);
        showProblems(r);
        showUnlocated(r);
        checked = dryRun && r.errors.length === 0 ? before : '';
        if (r.written) shell.act.reload({ all: true });
      } catch (err) {
        summary.textContent = `${dryRun ? '试运行' : '导入'}失败：${err instanceof Error ? err.message : String(err)}`;
        summary.dataset.tone = 'error';
        progress.hidden = true;
        checked = '';
      } finally {
        check.disabled = false;
        invalidate();
      }
    }
    return d;
  }

  function setOpen(open: boolean): void {
    if (!dialog || !tool) return;
    dialog.hidden = !open;
    tool.setAttribute('aria-pressed', String(open));
    if (open) dialog.querySelector<HTMLElement>('.import-file')?.focus();
    else tool.focus();
  }

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && dialog && !dialog.hidden) setOpen(false);
  };

  return {
    mount(s) {
      shell = s;
      if (s.user.role !== 'admin') return;
      tool = el('button', 'tool tool-import');
      tool.id = 'tool-import';
      tool.type = 'button';
      tool.title = '导入企业名录（CSV、XLSX、GeoJSON）';
      tool.setAttribute('aria-label', '数据导入');
      tool.setAttribute('aria-haspopup', 'dialog');
      tool.setAttribute('aria-controls', 'import-dialog');
      tool.setAttribute('aria-pressed', 'false');
      tool.innerHTML = IMPORT_ICON; // a constant, no user text
      tool.append(el('span', undefined, '数据导入'));
      tool.addEventListener('click', () => setOpen(dialog?.hidden ?? false));
      page.toolStats.parentElement?.append(tool);
      dialog = build();
      page.app.append(dialog);
      document.addEventListener('keydown', onKey);
    },
    unmount() {
      closed = true;
      if (polling !== null) clearTimeout(polling);
      tool?.remove();
      dialog?.remove();
      tool = dialog = null;
      document.removeEventListener('keydown', onKey);
    },
  };
}
