// Organization coverage (覆盖率): a dock over the lower part of the map,
// like the statistics dock, with the indicator, the zone's total, a table
// of the grids (each rate with its numerator and denominator), the CSV
// export and the grid choropleth of the indicator above it. 查看缺口 on a
// grid lists the organizations that make up its gap, page by page, and
// draws them on the map with a marker of their own. Columns sort; the
// worst grid is marked; gap organizations download as the register.
import type { Api, Coverage, CoverageIndicator, OrgFeature } from './api';
import { coverageChoropleth, coverageCsv, coverageFilename, coverageRows, gapExportUrl, gapLine, indicatorSpec, INDICATORS, rowRate, zoneSummary, type CoverageRow } from './coverage';
import { download } from './csv';
import { fetchDownload } from './download';
import { choroplethLegend, createDock } from './dock';
import { button, el } from './dom';
import { errorMessage } from './i18n';
import type { ChoroplethEntry } from './layers/choropleth';
import { chinaToday, type ChoroplethClass } from './stats';
import { percent } from './format';
import { nextSort, sortableHead, sortRows, worstLabel, worstRows, type SortState } from './tablesort';
import { capacityView } from './rebalancepanel';

/** Gap organizations asked for per page. */
export const GAP_PAGE_SIZE = 50;

export interface CoverageViewDeps {
  api: Api;
  /** Colours the grids (by grid id), or clears the map (null). */
  onChoropleth(entries: Map<number, ChoroplethEntry> | null): void;
  /** The dock opened (its height in pixels) or closed (0). */
  onLayout(height: number): void;
  /** A grid's name was clicked, or its gaps opened: bring it into view. */
  onGrid(gridId: number): void;
  /** Draws the gap organizations listed so far, or clears them (null). */
  onGaps(orgs: OrgFeature[] | null): void;
  /** A gap organization was clicked in the list. */
  onGap(org: OrgFeature): void;
  /** The dock is about to open (another dock makes way). */
  onOpen(): void;
  /** The user may ask how many liaisons full coverage needs (admins and planners). */
  capacity?: boolean;
}

export interface CoverageView {
  open(): void;
  close(): void;
  isOpen(): boolean;
  destroy(): void;
}

/** What the test hook shows of the coverage dock. */
export interface CoverageState {
  indicator: CoverageIndicator;
  total: string;
  rows: { key: string; name: string; text: string; numerator: number; denominator: number; gaps: number }[];
  /** The column the table is sorted by (null: by grid code), and the rows marked worst. */
  sort: SortState | null;
  worst: string[];
  /** The gap list open, or null. */
  gaps: { grid: number; ids: number[]; names: string[]; more: boolean } | null;
}

interface GapList {
  grid: number;
  name: string;
  orgs: OrgFeature[];
  next?: string;
  loading: boolean;
  error: string;
}

export function createCoverageView(deps: CoverageViewDeps, onState: (s: CoverageState | null) => void): CoverageView {
  const dock = createDock('coverage', {
    onLayout: (h) => deps.onLayout(h),
    onChoropleth: (entries) => deps.onChoropleth(entries),
    onState,
    opening() {
      deps.onOpen();
      build();
    },
    opened() {
      if (coverage) render();
      else void load();
    },
    closing() {
      seq++;
      closeGaps();
    },
  });
  const { root, body } = dock;

  let indicator: CoverageIndicator = 'party_org';
  let coverage: Coverage | null = null;
  let gaps: GapList | null = null;
  let sort: SortState | null = null;
  let seq = 0;
  let gapSeq = 0;
  let built = false;

  // ---- the controls, built once -------------------------------------------

  const { controls, select, exportButton, gapsExportButton, exportStatus, summary, legend, tableWrap, gapPane, main } = coverageParts({
    onExport: () => exportCsv(),
    onExportGaps: () => void exportGaps('xlsx', null, gapsExportButton),
    onIndicator: (next) => {
      indicator = next;
      closeGaps();
      void load();
    },
  });
  // Under the liaison indicator: how many liaisons full coverage would need, and where.
  const capacityButton = button('export-button', '全覆盖需要多少联络员', () => void openCapacity());
  capacityButton.id = 'coverage-capacity';
  capacityButton.hidden = true;
  controls.append(capacityButton);

  async function openCapacity(): Promise<void> {
    closeGaps();
    gapPane.hidden = false;
    gapPane.replaceChildren(el('p', 'muted', '正在测算…'));
    try {
      const c = await deps.api.rebalanceCapacity();
      const close = button('cancel', '关闭', () => closeGaps());
      gapPane.replaceChildren(el('h3', '', '全覆盖需要多少联络员'), capacityView(c), close);
    } catch (err) {
      gapPane.replaceChildren(el('p', 'detail-notice', errorMessage(err)));
    }
  }

  function build(): void {
    if (built) return;
    built = true;
    select.value = indicator;
    body.replaceChildren(controls, legend, main);
  }

  async function load(): Promise<void> {
    const mine = ++seq;
    root.setAttribute('aria-busy', 'true');
    summary.textContent = '正在统计…';
    try {
      const c = await deps.api.coverage(indicator);
      if (mine !== seq) return;
      coverage = c;
      render();
    } catch (err) {
      if (mine !== seq) return;
      coverage = null;
      summary.textContent = errorMessage(err).replace('数据加载失败', '统计失败');
      tableWrap.replaceChildren();
      legend.replaceChildren();
      exportButton.disabled = true;
      deps.onChoropleth(null);
      publish();
      console.warn('gridgis: loading coverage failed', err);
    } finally {
      if (mine === seq) root.setAttribute('aria-busy', 'false');
    }
  }

  function render(): void {
    exportButton.disabled = !coverage;
    gapsExportButton.disabled = !coverage;
    capacityButton.hidden = !deps.capacity || indicator !== 'liaison';
    if (!coverage) return;
    const spec = indicatorSpec(coverage.indicator);
    summary.textContent = zoneSummary(coverage);
    select.title = spec?.hint ?? '';
    summary.title = spec?.hint ?? '';
    const table = coverageTable(coverage, spec, gaps?.grid ?? null, sort, {
      onGrid: (id) => deps.onGrid(id),
      onGaps: (id, name) => void openGaps(id, name),
      onSort: (key) => {
        sort = nextSort(sort, key, key === 'name' ? 'asc' : spec?.better === 'low' ? 'desc' : 'asc');
        render();
        tableWrap.querySelector<HTMLButtonElement>(`th[data-sort="${key}"] button`)?.focus();
      },
    });
    tableWrap.replaceChildren(table);
    const { entries, classes } = coverageChoropleth(coverage);
    deps.onChoropleth(entries);
    legend.replaceChildren(legendOf(coverage.indicator, classes));
    publish();
  }

  // ---- the gap list ----------------------------------------------------------

  async function openGaps(grid: number, name: string): Promise<void> {
    gaps = { grid, name, orgs: [], loading: true, error: '' };
    for (const b of tableWrap.querySelectorAll<HTMLButtonElement>('.coverage-gap-button')) b.setAttribute('aria-pressed', String(b.dataset.grid === String(grid)));
    deps.onGrid(grid);
    await loadGaps();
  }

  async function loadGaps(): Promise<void> {
    const list = gaps;
    if (!list) return;
    const mine = ++gapSeq;
    list.loading = true;
    list.error = '';
    renderGaps();
    try {
      const page = await deps.api.coverageGaps({ indicator, grid: list.grid, limit: GAP_PAGE_SIZE, next: list.next });
      if (mine !== gapSeq || gaps !== list) return;
      list.orgs.push(...page.orgs);
      list.next = page.next;
    } catch (err) {
      if (mine !== gapSeq || gaps !== list) return;
      list.error = errorMessage(err);
      console.warn('gridgis: loading coverage gaps failed', err);
    }
    list.loading = false;
    deps.onGaps(list.orgs);
    renderGaps();
  }

  function renderGaps(): void {
    if (!gaps) {
      gapPane.hidden = true;
      gapPane.replaceChildren();
      return;
    }
    gapPane.hidden = false;
    gapPane.replaceChildren(
      ...gapPaneParts(gaps, indicator, {
        onClose: () => closeGaps(),
        onGap: (o) => deps.onGap(o),
        onMore: () => void loadGaps(),
        onExport: (format, b) => void exportGaps(format, gaps?.grid ?? null, b),
      }),
    );
    publish();
  }

  function closeGaps(): void {
    gapSeq++;
    if (!gaps) {
      // The capacity answer may hold the pane.
      gapPane.hidden = true;
      gapPane.replaceChildren();
      return;
    }
    gaps = null;
    for (const b of tableWrap.querySelectorAll<HTMLButtonElement>('.coverage-gap-button')) b.setAttribute('aria-pressed', 'false');
    deps.onGaps(null);
    renderGaps();
    publish();
  }

  function exportCsv(): void {
    if (!coverage) return;
    download(coverageFilename(coverage.indicator, chinaToday()), coverageCsv(coverage));
  }

  /** Downloads the gap organizations (of a grid, or of the zone) from the server, with the full register columns. */
  async function exportGaps(format: 'xlsx' | 'csv', grid: number | null, b: HTMLButtonElement): Promise<void> {
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    exportStatus.textContent = '正在生成缺口名单…';
    delete exportStatus.dataset.tone;
    try {
      const name = await fetchDownload(gapExportUrl(indicator, format, grid), `gaps.${format}`);
      exportStatus.textContent = `已下载：${name}`;
      exportStatus.dataset.tone = 'ok';
    } catch (err) {
      exportStatus.textContent = `导出失败：${err instanceof Error ? err.message : String(err)}`;
      exportStatus.dataset.tone = 'error';
    } finally {
      b.disabled = false;
      b.removeAttribute('aria-busy');
    }
  }

  function publish(): void {
    onState(!coverage || root.hidden ? null : coverageState(coverage, gaps, sort));
  }

  const { open, close, isOpen, destroy } = dock;
  return { open, close, isOpen, destroy };
}
/** The choropleth's legend: the indicator, its classes and the colour of no data. */
function legendOf(indicator: CoverageIndicator, classes: readonly ChoroplethClass[]): HTMLElement {
  const spec = indicatorSpec(indicator);
  return choroplethLegend({
    label: spec?.label ?? indicator,
    lowIsBetter: spec?.better === 'low',
    classes,
    value: (x) => percent(Math.round(x * 10000), 10000),
    noData: '无数据（分母为 0）',
  });
}

/** The rows in the table's order: by the chosen column, else by grid code; the zone totals at the foot. */
function orderedRows(coverage: Coverage, sort: SortState | null): CoverageRow[] {
  const rows = coverageRows(coverage);
  if (!sort) return rows;
  const value = (r: CoverageRow) => (sort.key === 'rate' ? rowRate(r) : sort.key === 'gaps' ? r.gaps : r.code || r.name);
  return sortRows(rows, value, sort.dir, (r) => r.total);
}

/** The grids holding the worst rate: the lowest, or the highest where lower is better. */
function worstKeys(coverage: Coverage, better: 'high' | 'low'): Set<string> {
  return new Set([...worstRows(coverageRows(coverage), rowRate, better, (r) => r.total)].map((r) => r.key));
}

/** The table of the indicator per grid, sortable by each column, the worst rate marked, each grid's gap with the button that lists it. */
function coverageTable(
  coverage: Coverage,
  spec: ReturnType<typeof indicatorSpec>,
  gapsGrid: number | null,
  sort: SortState | null,
  on: { onGrid(id: number): void; onGaps(id: number, name: string): void; onSort(key: string): void },
): HTMLElement {
  const table = el('table', 'stats-table coverage-table');
  table.dataset.indicator = coverage.indicator;
  const better = spec?.better ?? 'high';
  const head = el('thead');
  const hr = el('tr');
  hr.append(
    sortableHead('网格', 'name', sort, on.onSort, 'sticky'),
    sortableHead(spec?.label ?? coverage.indicator, 'rate', sort, on.onSort, 'coloured'),
    sortableHead('缺口', 'gaps', sort, on.onSort),
  );
  head.append(hr);
  const worst = worstKeys(coverage, better);
  const tbody = el('tbody');
  for (const r of orderedRows(coverage, sort)) {
    const tr = el('tr', r.total ? 'total' : worst.has(r.key) ? 'worst' : '');
    tr.dataset.key = r.key;
    const name = el('th', 'sticky');
    name.scope = 'row';
    const gridId = r.gridId;
    if (gridId !== null) name.append(button('link-button', r.name, () => on.onGrid(gridId)));
    else name.textContent = r.name;
    if (worst.has(r.key)) {
      const badge = el('span', 'worst-badge', worstLabel(better).slice(0, 2));
      badge.title = `${spec?.label ?? ''}${worstLabel(better)}的网格`;
      name.append(badge);
    }
    const rate = el('td', 'coverage-rate', r.text);
    // The gap's size, and for a grid with one the button that lists it.
    const gapCell = el('td', 'num coverage-gap-cell');
    gapCell.dataset.gaps = String(r.gaps);
    if (gridId !== null && r.gaps > 0) {
      const b = button('link-button coverage-gap-button', `查看缺口（${r.gaps}）`, () => on.onGaps(gridId, r.name));
      b.dataset.grid = String(gridId);
      b.setAttribute('aria-pressed', String(gapsGrid === gridId));
      gapCell.append(b);
    } else gapCell.textContent = String(r.gaps);
    tr.append(name, rate, gapCell);
    tbody.append(tr);
  }
  table.append(head, tbody);
  return table;
}

/** The gap list's heading, its organizations, its foot line and (when there are more) the button for the next page. */
function gapPaneParts(
  gaps: GapList,
  indicator: CoverageIndicator,
  on: { onClose(): void; onGap(o: OrgFeature): void; onMore(): void; onExport(format: 'xlsx' | 'csv', b: HTMLButtonElement): void },
): HTMLElement[] {
  const spec = indicatorSpec(indicator);
  const head = el('header', 'coverage-gaps-head');
  const title = el('h3', 'detail-section-title', `${gaps.name} · ${spec?.gap ?? '缺口'}`);
  const close = button('detail-close', '×', () => on.onClose());
  close.id = 'coverage-gaps-close';
  close.setAttribute('aria-label', '关闭缺口列表');
  close.title = '关闭';
  // Short labels: the pane is narrow; the accessible name says it all.
  const exportChip = (format: 'xlsx' | 'csv', label: string, hint: string): HTMLButtonElement => {
    const b: HTMLButtonElement = button('chip coverage-gaps-export', label, () => on.onExport(format, b));
    b.dataset.format = format;
    b.setAttribute('aria-label', `导出${gaps.name}的缺口组织（${label}）`);
    b.title = `${gaps.name}的${spec?.gap ?? '缺口组织'}，企业名录全部列（${hint}）`;
    return b;
  };
  const actions = el('div', 'coverage-gaps-actions');
  actions.append(exportChip('xlsx', 'Excel', '.xlsx'), exportChip('csv', 'CSV', '.csv，UTF-8'));
  head.append(title, close);
  const list = el('ul', 'coverage-gap-list');
  for (const o of gaps.orgs) {
    const line = gapLine(indicator, o);
    const b = button('pick-item coverage-gap-item', '', () => on.onGap(o));
    b.dataset.orgId = String(o.id);
    const nameLine = el('span', 'pick-title coverage-gap-name', line.name);
    b.append(nameLine, el('span', 'pick-status', line.detail));
    const li = el('li');
    li.append(b);
    list.append(li);
  }
  const foot = el('p', 'coverage-gaps-foot muted');
  if (gaps.error) foot.textContent = gaps.error;
  else if (gaps.loading) foot.textContent = '正在加载…';
  else if (gaps.orgs.length === 0) foot.textContent = '该网格没有缺口组织（或不在您的可见范围内）';
  else foot.textContent = `已列出 ${gaps.orgs.length} 家${gaps.next ? '，还有更多' : ''}`;
  const footRow = el('div', 'coverage-gaps-footrow');
  footRow.append(foot, actions);
  const parts = [head, list, footRow];
  if (gaps.next && !gaps.loading) {
    const more = button('chip coverage-gaps-more', '加载更多', () => on.onMore());
    more.id = 'coverage-gaps-more';
    parts.push(more);
  }
  return parts;
}

/** What the test hook shows of the dock. */
function coverageState(coverage: Coverage, gaps: GapList | null, sort: SortState | null): CoverageState {
  return {
    indicator: coverage.indicator,
    total: zoneSummary(coverage),
    sort,
    worst: [...worstKeys(coverage, indicatorSpec(coverage.indicator)?.better ?? 'high')],
    rows: orderedRows(coverage, sort).map((r) => ({ key: r.key, name: r.name, text: r.text, numerator: r.numerator, denominator: r.denominator, gaps: r.gaps })),
    gaps: gaps ? { grid: gaps.grid, ids: gaps.orgs.map((o) => o.id), names: gaps.orgs.map((o) => o.properties.name), more: Boolean(gaps.next) } : null,
  };
}

/** The dock's parts, built once: the indicator selector, the zone total, the export, the legend, the table and the gap pane. */
function coverageParts(on: { onExport(): void; onExportGaps(): void; onIndicator(indicator: CoverageIndicator): void }) {
  const controls = el('form', 'stats-controls');
  controls.noValidate = true;
  const select = el('select', 'input');
  select.id = 'coverage-indicator';
  for (const i of INDICATORS) {
    const o = new Option(i.label, i.key);
    o.title = i.hint;
    select.append(o);
  }
  const selectBox = el('label', 'stats-control');
  selectBox.append(el('span', '', '指标'), select);
  const exportButton = button('export-button', '导出表格', () => on.onExport());
  exportButton.id = 'coverage-export';
  exportButton.disabled = true;
  exportButton.title = '各网格的指标表（.csv）';
  const gapsExportButton = button('export-button', '导出缺口', () => on.onExportGaps());
  gapsExportButton.id = 'coverage-gaps-export';
  gapsExportButton.title = '全园区该指标的缺口组织，企业名录全部列（.xlsx），含尚未定位的组织';
  gapsExportButton.disabled = true;
  const exportStatus = el('p', 'coverage-export-status');
  exportStatus.id = 'coverage-export-status';
  exportStatus.setAttribute('role', 'status');
  controls.addEventListener('submit', (e) => e.preventDefault());
  select.addEventListener('change', () => on.onIndicator(select.value as CoverageIndicator));

  const summary = el('p', 'stats-summary coverage-total');
  summary.id = 'coverage-total';
  summary.setAttribute('aria-live', 'polite');
  const legend = el('div', 'stats-legend');
  const tableWrap = el('div', 'stats-table-wrap');
  const gapPane = el('section', 'coverage-gaps');
  gapPane.id = 'coverage-gaps';
  gapPane.hidden = true;
  const main = el('div', 'coverage-main');
  main.append(tableWrap, gapPane);
  // The zone total sits between the selector and the export, to leave the table room.
  const exports = el('div', 'coverage-exports');
  const exportButtons = el('div', 'coverage-export-buttons');
  exportButtons.append(exportButton, gapsExportButton);
  exports.append(exportButtons, exportStatus);
  controls.append(selectBox, summary, exports);
  return { controls, select, exportButton, gapsExportButton, exportStatus, summary, legend, tableWrap, gapPane, main };
}
