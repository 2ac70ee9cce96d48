// The KPI dashboard (统计): a dock over the lower part of the map with the
// date range, the grouping, a table of every figure (each rate with its
// numerator and denominator), the CSV export and, grouped by grid, the
// choropleth of one figure on the grid polygons above it.
import type { Api, Stats, StatsBy, StatsGroup } from './api';
import { download } from './csv';
import { choroplethLegend, createDock } from './dock';
import { button, el } from './dom';
import { errorMessage } from './i18n';
import type { ChoroplethEntry } from './layers/choropleth';
import {
  KPIS,
  MAP_KPIS,
  RANGE_PRESETS,
  STATS_GROUPINGS,
  checkRange,
  chinaToday,
  choroplethClasses,
  classColor,
  defaultRange,
  groupHeading,
  kpiMapLabel,
  kpiSpec,
  kpiText,
  kpiValue,
  kpiValueText,
  rangeLabel,
  statsCsv,
  statsFilename,
  statsRows,
  type ChoroplethClass,
  type DateRange,
  type KpiKey,
  type RangeErrors,
} from './stats';
import { fixed } from './format';
import { nextSort, sortableHead, sortRows, worstLabel, worstWord, worstRows, type SortState } from './tablesort';

export interface StatsViewDeps {
  api: Api;
  /** Colours the grids (by grid id), or clears the map (null). */
  onChoropleth(entries: Map<number, ChoroplethEntry> | null): void;
  /** The dock opened (its height in pixels) or closed (0): the map keeps its view clear of it. */
  onLayout(height: number): void;
  /** A grid's row was clicked. */
  onGrid(gridId: number): void;
  /** The dock is about to open (another dock makes way). */
  onOpen?(): void;
}

export interface StatsView {
  open(): void;
  close(): void;
  isOpen(): boolean;
  destroy(): void;
}

/** What the test hook shows of the dashboard. */
export interface StatsState {
  by: string;
  from: string;
  to: string;
  rows: { key: string; name: string; cells: Record<string, string> }[];
  kpi: string | null;
  /** The column the table is sorted by; null: as served. */
  sort: SortState | null;
}

export function createStatsView(deps: StatsViewDeps, onState: (s: StatsState | null) => void): StatsView {
  const dock = createDock('stats', {
    onLayout: (h) => deps.onLayout(h),
    onChoropleth: (entries) => deps.onChoropleth(entries),
    onState,
    opening() {
      deps.onOpen?.();
      build();
    },
    opened() {
      if (stats) {
        renderTable();
        paintMap();
      } else void load();
    },
    closing() {
      seq++;
    },
  });
  const { root, body } = dock;

  let by: StatsBy = 'grid';
  let range: DateRange = defaultRange(chinaToday());
  let kpi: KpiKey | null = 'closure_rate';
  let sort: SortState | null = null;
  let stats: Stats | null = null;
  let total: StatsGroup | null = null;
  let seq = 0;
  let built = false;

  // ---- the controls, built once -------------------------------------------

  const { controls, grouping, fromInput, toInput, rangeError, colour, colourBox, exportButton } = statsControls({
    onPreset: (p) => {
      range = p.range(chinaToday());
      fillRange();
      void load();
    },
    onExport: () => exportCsv(),
    onBy: (next) => {
      by = next;
      void load();
    },
    onRange: (next) => {
      range = next;
      void load();
    },
    onKpi: (next) => {
      kpi = next;
      paintMap();
      renderTable();
    },
  });

  const summary = el('p', 'stats-summary');
  summary.setAttribute('aria-live', 'polite');
  const legend = el('div', 'stats-legend');
  const tableWrap = el('div', 'stats-table-wrap');

  function fillRange(): void {
    fromInput.value = range.from;
    toInput.value = range.to;
    fromInput.max = chinaToday();
    toInput.max = chinaToday();
  }

  function build(): void {
    if (built) return;
    built = true;
    grouping.value = by;
    colour.value = kpi ?? '';
    fillRange();
    body.replaceChildren(controls, summary, legend, tableWrap);
  }

  function showRangeErrors(errors: RangeErrors): void {
    rangeError.textContent = errors.from ?? errors.to ?? '';
    fromInput.setAttribute('aria-invalid', String(Boolean(errors.from)));
    toInput.setAttribute('aria-invalid', String(Boolean(errors.to)));
  }

  async function load(): Promise<void> {
    const today = chinaToday();
    const checked = checkRange(range, today);
    if (!checked.ok) {
      showRangeErrors(checked.errors);
      return;
    }
    showRangeErrors({});
    const mine = ++seq;
    root.setAttribute('aria-busy', 'true');
    summary.textContent = '正在统计…';
    try {
      const got = await fetchStats(deps.api, { from: checked.from, to: checked.to }, by);
      if (mine !== seq) return;
      ({ stats, total } = got);
      renderTable();
      paintMap();
    } catch (err) {
      if (mine !== seq) return;
      stats = null;
      total = null;
      const field = (err as { field?: string }).field;
      if (field === 'from' || field === 'to') showRangeErrors({ [field]: '统计区间不符合要求' });
      summary.textContent = errorMessage(err).replace('数据加载失败', '统计失败');
      tableWrap.replaceChildren();
      legend.replaceChildren();
      deps.onChoropleth(null);
      publish();
      console.warn('gridgis: loading statistics failed', err);
    } finally {
      if (mine === seq) root.setAttribute('aria-busy', 'false');
    }
  }

  function renderTable(): void {
    exportButton.disabled = !stats;
    colourBox.hidden = by !== 'grid';
    if (!stats) return;
    const rows = statsRows(stats, total);
    const reported = (total ?? stats.groups[0])?.reported ?? 0;
    summary.textContent = `${rangeLabel(range)} · ${rows.filter((r) => !r.total).length} 个${groupHeading(by)}分组 · 上报诉求 ${reported} 件`;
    const table = statsTable(stats, sortStatsRows(rows, sort), by === 'grid' ? kpi : null, sort, {
      onGrid: (id) => deps.onGrid(id),
      onSort: (key) => {
        const spec = kpiSpec(key as KpiKey);
        sort = nextSort(sort, key, key === 'name' ? 'asc' : spec?.better === 'low' ? 'desc' : 'asc');
        renderTable();
        tableWrap.querySelector<HTMLButtonElement>(`th[data-sort="${key}"] button`)?.focus();
      },
    });
    tableWrap.replaceChildren(table);
    publish();
  }

  function paintMap(): void {
    legend.replaceChildren();
    if (!stats || stats.by !== 'grid' || !kpi) {
      deps.onChoropleth(null);
      publish();
      return;
    }
    const key = kpi;
    const { entries, classes } = choroplethOf(stats, key);
    deps.onChoropleth(entries);
    legend.append(legendOf(key, classes));
    publish();
  }

  function exportCsv(): void {
    if (!stats) return;
    download(statsFilename(stats.by, range), statsCsv(stats, total));
  }

  function publish(): void {
    onState(stats ? statsState(stats, total, range, kpi, sort) : null);
  }

  const { open, close, isOpen, destroy } = dock;
  return { open, close, isOpen, destroy };
}
/** The choropleth's legend: the figure, its classes and the colour of no data. */
function legendOf(key: KpiKey, classes: readonly ChoroplethClass[]): HTMLElement {
  const spec = kpiSpec(key)!;
  return choroplethLegend({
    label: spec.label,
    lowIsBetter: spec.better === 'low',
    classes,
    value: (x) => (spec.kind === 'count' ? fixed(x, 0) : kpiValueText(key, x)),
    noData: '无数据',
  });
}

/** The dashboard's controls: grouping, dates with their presets, the figure to colour by, the export. */
function statsControls(on: {
  onPreset(p: (typeof RANGE_PRESETS)[number]): void;
  onExport(): void;
  onBy(by: StatsBy): void;
  onRange(range: DateRange): void;
  onKpi(kpi: KpiKey | null): void;
}) {
  const controls = el('form', 'stats-controls');
  controls.noValidate = true;
  const grouping = el('select', 'input');
  grouping.id = 'stats-by';
  for (const g of STATS_GROUPINGS) grouping.append(new Option(g.label, g.by));
  const fromInput = el('input', 'input');
  fromInput.type = 'date';
  fromInput.id = 'stats-from';
  const toInput = el('input', 'input');
  toInput.type = 'date';
  toInput.id = 'stats-to';
  const rangeError = el('p', 'field-error stats-range-error');
  rangeError.setAttribute('role', 'alert');
  const presets = el('div', 'stats-presets');
  for (const p of RANGE_PRESETS) {
    const b = button('chip', p.label, () => on.onPreset(p));
    b.dataset.preset = p.name;
    presets.append(b);
  }
  const colour = el('select', 'input');
  colour.id = 'stats-kpi';
  colour.append(new Option('不着色', ''));
  for (const k of MAP_KPIS) colour.append(new Option(k.label, k.key));
  const colourBox = el('label', 'stats-control stats-colour');
  colourBox.append(el('span', '', '地图着色'), colour);
  const exportButton = button('export-button', '导出 CSV', () => on.onExport());
  exportButton.id = 'stats-export';
  exportButton.disabled = true;

  const control = (label: string, input: HTMLElement) => {
    const box = el('label', 'stats-control');
    box.append(el('span', '', label), input);
    return box;
  };
  const dates = el('div', 'stats-dates');
  dates.append(control('开始', fromInput), el('span', 'stats-dash', '—'), control('结束', toInput));
  controls.append(control('分组', grouping), dates, presets, colourBox, exportButton, rangeError);

  grouping.addEventListener('change', () => on.onBy(grouping.value as StatsBy));
  const onDate = () => on.onRange({ from: fromInput.value, to: toInput.value });
  fromInput.addEventListener('change', onDate);
  toInput.addEventListener('change', onDate);
  colour.addEventListener('change', () => on.onKpi((colour.value || null) as KpiKey | null));
  controls.addEventListener('submit', (e) => e.preventDefault());
  return { controls, grouping, fromInput, toInput, rangeError, colour, colourBox, exportButton };
}

/** The rows by the chosen column (a group's name, or a figure), the total at the foot; as given without a choice. */
function sortStatsRows(rows: ReturnType<typeof statsRows>, sort: SortState | null): ReturnType<typeof statsRows> {
  if (!sort) return rows;
  const key = sort.key;
  return sortRows(rows, (r) => (key === 'name' ? r.name : kpiValue(r.group, key as KpiKey)), sort.dir, (r) => r.total);
}

/**
 * The table of every figure per group, each column sortable; colouredKpi's
 * column is marked, and in each column of rates, medians and means the
 * worst figure (a count has no worst).
 */
function statsTable(
  stats: Stats,
  rows: ReturnType<typeof statsRows>,
  colouredKpi: KpiKey | null,
  sort: SortState | null,
  on: { onGrid(id: number): void; onSort(key: string): void },
): HTMLElement {
  const table = el('table', 'stats-table');
  table.dataset.by = stats.by;
  const head = el('thead');
  const hr = el('tr');
  hr.append(sortableHead(groupHeading(stats.by), 'name', sort, on.onSort, 'sticky'));
  const worst = new Map<KpiKey, Set<(typeof rows)[number]>>();
  for (const k of KPIS) {
    const th = sortableHead(k.label, k.key, sort, on.onSort, k.key === colouredKpi ? 'coloured' : '');
    th.title = k.hint;
    th.dataset.kpi = k.key;
    hr.append(th);
    if (k.kind !== 'count') worst.set(k.key, worstRows(rows, (r) => kpiValue(r.group, k.key), k.better, (r) => r.total));
  }
  head.append(hr);
  const tbody = el('tbody');
  for (const r of rows) {
    const tr = el('tr', r.total ? 'total' : '');
    tr.dataset.key = r.key;
    const name = el('th', 'sticky');
    name.scope = 'row';
    if (stats.by === 'grid' && !r.total && r.key !== 'none') {
      name.append(button('link-button', r.name, () => on.onGrid(Number(r.key))));
    } else name.textContent = r.name;
    tr.append(name);
    for (const k of KPIS) {
      const td = el('td', k.kind === 'count' ? 'num' : '', kpiText(r.group, k.key));
      td.dataset.kpi = k.key;
      if (worst.get(k.key)?.has(r)) {
        td.classList.add('worst');
        td.title = `${k.label}${worstLabel(k.better)}`;
        // Shown by tables.css after the figure (the cell's text stays the figure).
        td.dataset.worst = worstWord(k.better);
      }
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(head, tbody);
  return table;
}

/** The grid colours of one figure, and its classes. */
function choroplethOf(stats: Stats, key: KpiKey): { entries: Map<number, ChoroplethEntry>; classes: ChoroplethClass[] } {
  const groups = stats.groups.filter((g) => g.key !== 'none');
  const classes = choroplethClasses(groups.map((g) => kpiValue(g, key)));
  const entries = new Map<number, ChoroplethEntry>();
  for (const g of groups) {
    entries.set(Number(g.key), { color: classColor(classes, kpiValue(g, key)), label: `${kpiSpec(key)!.label} ${kpiMapLabel(g, key)}` });
  }
  return { entries, classes };
}

/** What the test hook shows of the dashboard. */
function statsState(stats: Stats, total: StatsGroup | null, range: DateRange, kpi: KpiKey | null, sort: SortState | null): StatsState {
  return {
    by: stats.by,
    from: range.from,
    to: range.to,
    kpi: stats.by === 'grid' ? kpi : null,
    sort,
    rows: sortStatsRows(statsRows(stats, total), sort).map((r) => ({
      key: r.key,
      name: r.name,
      cells: Object.fromEntries(KPIS.map((k) => [k.key, kpiText(r.group, k.key)])),
    })),
  };
}

/** The figures grouped by, with the total row: the zone's group (an officer's: their grids together); with several zones there is no single total. */
async function fetchStats(api: Api, query: { from: string; to: string }, by: StatsBy): Promise<{ stats: Stats; total: StatsGroup | null }> {
  const [s, z] = await Promise.all([api.stats({ ...query, by }), by === 'zone' ? Promise.resolve(null) : api.stats({ ...query, by: 'zone' })]);
  return { stats: s, total: z && z.groups.length === 1 ? z.groups[0] : null };
}
