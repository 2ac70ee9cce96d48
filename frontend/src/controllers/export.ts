// 导出 (every role that reads, within its scope): a top-bar menu of the
// registers, ledgers and the monthly report the server writes, with a month
// picker, and 打印地图, the printable map of the current view.
import { button, el } from '../dom';
import { fetchDownload } from '../download';
import { EXPORT_ITEMS, currentMonth, defaultReportMonth, exportUrl, mayExport, monthLabel, printTitle, type ExportItem } from '../exports';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { openPrintSheet, type PrintSheet } from '../printmap';
import { shell as page } from '../shell';

const EXPORT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3v12 M7 10l5 5 5-5 M4 17v3h16v-3" /></svg>';

export function exportController(): Controller {
  let shell: MapShell;
  let tool: HTMLButtonElement | null = null;
  let menu: HTMLElement | null = null;
  let sheet: PrintSheet | null = null;

  function setOpen(open: boolean): void {
    if (!menu || !tool) return;
    menu.hidden = !open;
    tool.setAttribute('aria-expanded', String(open));
    tool.setAttribute('aria-pressed', String(open));
    if (open) {
      const r = tool.getBoundingClientRect();
      menu.style.setProperty('--menu-top', `${r.bottom + 6}px`);
      menu.style.setProperty('--menu-right', `${Math.max(8, window.innerWidth - r.right)}px`);
      menu.querySelector<HTMLElement>('.export-item')?.focus();
    }
  }

  async function download(item: ExportItem, month: string, b: HTMLButtonElement, status: HTMLElement): Promise<void> {
    const label = b.querySelector('.export-item-label');
    const was = label?.textContent ?? '';
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    if (label) label.textContent = `${item.label} · 正在生成…`;
    status.textContent = '';
    try {
      const name = await fetchDownload(exportUrl(item, month), item.path.split('/').pop() ?? 'export');
      status.textContent = `已下载：${name}`;
      status.dataset.tone = 'ok';
    } catch (err) {
      status.textContent = `导出失败：${err instanceof Error ? err.message : String(err)}`;
      status.dataset.tone = 'error';
    } finally {
      b.disabled = false;
      b.removeAttribute('aria-busy');
      if (label) label.textContent = was;
    }
  }

  async function printMap(): Promise<void> {
    setOpen(false);
    sheet?.close();
    const { grids, scope } = shell.store.get();
    const own = grids.filter((g) => scope?.ownGridIds.has(g.id)).map((g) => g.properties.name);
    sheet = await openPrintSheet(
      shell.map,
      {
        title: printTitle(shell.user.role, own, shell.user.display_name),
        grids,
        ownGridIds: scope?.ownGridIds ?? new Set(),
        source: 'gridgis 园区产业网格、企业与组织名录' + basemapCredit(),
        now: new Date(),
      },
      () => {
        sheet = null;
        tool?.focus();
      },
    );
  }

  /** The basemap's attribution, if its source declares one. */
  function basemapCredit(): string {
    const sources = shell.map.getStyle()?.sources ?? {};
    const credits = Object.values(sources)
      .map((s) => ('attribution' in s && typeof s.attribution === 'string' ? s.attribution.replace(/<[^>]*>/g, '') : ''))
      .filter(Boolean);
    return credits.length ? `；底图 ${credits.join('、')}` : '';
  }

  function buildMenu(): HTMLElement {
    const m = el('div', 'export-menu');
    m.id = 'export-menu';
    m.setAttribute('role', 'menu');
    m.setAttribute('aria-label', '导出');
    m.hidden = true;

    const monthBox = el('label', 'export-month');
    const monthInput = el('input', 'export-month-input');
    monthInput.type = 'month';
    monthInput.id = 'export-month';
    monthInput.value = defaultReportMonth(new Date());
    monthInput.max = currentMonth(new Date());
    const monthName = el('span', 'export-month-name', monthLabel(monthInput.value));
    monthInput.addEventListener('input', () => (monthName.textContent = monthLabel(monthInput.value)));
    monthBox.append(el('span', 'export-month-label', '月份'), monthInput, monthName);

    const status = el('p', 'export-status');
    status.setAttribute('role', 'status');
    const item = (it: ExportItem): HTMLButtonElement => {
      const b = button('export-item', '', () => {
        const month = monthInput.value || defaultReportMonth(new Date());
        void download(it, month, b, status);
      });
      b.setAttribute('role', 'menuitem');
      b.dataset.export = it.id;
      b.append(el('span', 'export-item-label', it.label), el('span', 'export-item-hint', it.hint));
      return b;
    };
    const group = (title: string, items: HTMLElement[]): HTMLElement => {
      const g = el('div', 'export-group');
      g.setAttribute('role', 'group');
      g.setAttribute('aria-label', title);
      g.append(el('p', 'export-group-title', title), ...items);
      return g;
    };
    const printItem = button('export-item export-print', '', () => void printMap());
    printItem.setAttribute('role', 'menuitem');
    printItem.dataset.export = 'print';
    printItem.append(el('span', 'export-item-label', '打印地图'), el('span', 'export-item-hint', '当前视图，A4/A3 横向，含图例、比例尺、指北针'));

    m.append(
      group('名录与台账', EXPORT_ITEMS.filter((i) => !i.monthly).map(item)),
      group('按月导出', [monthBox, ...EXPORT_ITEMS.filter((i) => i.monthly).map(item)]),
      group('地图', [printItem]),
      status,
    );
    return m;
  }

  const onDocClick = (e: MouseEvent) => {
    if (!menu || menu.hidden) return;
    const t = e.target as Node;
    if (!menu.contains(t) && !tool?.contains(t)) setOpen(false);
  };
  const onKey = (e: KeyboardEvent) => {
    if (!menu || menu.hidden) return;
    if (e.key === 'Escape') {
      setOpen(false);
      tool?.focus();
      return;
    }
    // Arrow keys move between the menu's items, as in any menu.
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const items = [...menu.querySelectorAll<HTMLElement>('.export-item')];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return; // the month picker keeps its arrows
    e.preventDefault();
    const step = e.key === 'ArrowDown' ? 1 : -1;
    items[(at + step + items.length) % items.length]?.focus();
  };

  return {
    mount(s) {
      shell = s;
      if (!mayExport(s.user.role)) return;
      tool = el('button', 'tool tool-export');
      tool.id = 'tool-export';
      tool.type = 'button';
      tool.title = '导出名录、台账、月报，打印地图';
      tool.setAttribute('aria-label', '导出');
      tool.setAttribute('aria-haspopup', 'menu');
      tool.setAttribute('aria-controls', 'export-menu');
      tool.setAttribute('aria-expanded', 'false');
      tool.setAttribute('aria-pressed', 'false');
      tool.innerHTML = EXPORT_ICON; // a constant, no user text
      tool.append(el('span', undefined, '导出'));
      tool.addEventListener('click', () => setOpen(menu?.hidden ?? false));
      page.toolStats.parentElement?.append(tool);
      menu = buildMenu();
      page.app.append(menu);
      document.addEventListener('click', onDocClick);
      document.addEventListener('keydown', onKey);
    },
    unmount() {
      sheet?.close();
      tool?.remove();
      menu?.remove();
      tool = menu = null;
      document.removeEventListener('click', onDocClick);
      document.removeEventListener('keydown', onKey);
    },
  };
}
