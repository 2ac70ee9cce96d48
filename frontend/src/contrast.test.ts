import { describe, expect, it } from 'vitest';
import { GAP_COLOR } from './layers/gaps';
import { LIAISON_COLOR } from './layers/liaisons';
import { OVERDUE_COLORS } from './layers/organizations';
import { BACKGROUND_COLOR, GRID_PALETTE, KIND_COLORS, SLA_COLORS, UNKNOWN_KIND_COLOR } from './theme';
import { VISIONS, closestPair, contrastRatio, deltaE2000, lab, simulate, visibleDifference } from './contrast';

describe('colour arithmetic', () => {
  it('computes CIEDE2000 as Sharma, Wu & Dalal (2005) tabulate it', () => {
    const pairs: [number[], number[], number][] = [
      [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
      [[50, 0, 0], [50, -1, 2], 2.3669],
      [[50, 2.5, 0], [73, 25, -18], 27.1492],
      [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
      [[22.7233, 20.0904, -46.694], [23.0331, 14.973, -42.5619], 2.0373],
    ];
    for (const [a, b, want] of pairs) expect(deltaE2000(a as never, b as never)).toBeCloseTo(want, 4);
  });

  it('computes WCAG contrast', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(lab('#ffffff')[0]).toBeCloseTo(100, 3);
  });

  it('simulates the deficiencies: greys stay grey, red and green meet for red–green deficiencies', () => {
    for (const v of VISIONS) expect(simulate('#808080', v)).toMatch(/^#(7f|80|81){3}$/);
    // Pure red and a green of the same lightness are far apart to normal eyes, close without L or M cones.
    expect(visibleDifference('#d62728', '#6d8a00', 'normal')).toBeGreaterThan(40);
    expect(visibleDifference('#d62728', '#6d8a00', 'deuteranopia')).toBeLessThan(15);
    expect(visibleDifference('#d62728', '#6d8a00', 'protanopia')).toBeLessThan(25);
    // Blue and green split for tritanopes no better than for normal eyes.
    expect(visibleDifference('#0072b2', '#009e73', 'tritanopia')).toBeLessThan(visibleDifference('#0072b2', '#009e73', 'normal'));
  });
});

/**
 * The least CIEDE2000 difference between two marks the map draws together,
 * in any vision: about where small categorical marks stop being confused
 * at a glance (ΔE00 ≈ 2 is only just noticeable side by side).
 */
const MIN_MARK_DIFFERENCE = 12;

/** The marks the map draws together: organization kinds and request states. */
const MARKS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(KIND_COLORS).map(([k, c]) => [`kind:${k}`, c])),
  ...Object.fromEntries(Object.entries(SLA_COLORS).map(([k, c]) => [`sla:${k}`, c])),
};

describe('map palette', () => {
  it(`keeps every pair of kind and SLA colours ${MIN_MARK_DIFFERENCE} or more apart (CIEDE2000) for normal, protan, deutan and tritan vision`, () => {
    const failures: string[] = [];
    for (const vision of VISIONS) {
      const worst = closestPair(MARKS, [vision]);
      if (worst.dE < MIN_MARK_DIFFERENCE) failures.push(`${vision}: ${worst.a} ${MARKS[worst.a]} vs ${worst.b} ${MARKS[worst.b]} ΔE00 ${worst.dE.toFixed(1)}`);
    }
    expect(failures).toEqual([]);
  });

  it('keeps the overdue rings apart from each other in every vision', () => {
    for (const v of VISIONS) expect(visibleDifference(OVERDUE_COLORS.visit, OVERDUE_COLORS.contact, v)).toBeGreaterThanOrEqual(MIN_MARK_DIFFERENCE);
  });

  it('draws every mark at 3:1 or more against the map background (WCAG non-text contrast)', () => {
    const marks = { ...MARKS, unknown: UNKNOWN_KIND_COLOR, gap: GAP_COLOR, liaison: LIAISON_COLOR, overdueVisit: OVERDUE_COLORS.visit, overdueContact: OVERDUE_COLORS.contact };
    const low = Object.entries(marks)
      .map(([name, c]) => [name, c, contrastRatio(c, BACKGROUND_COLOR)] as const)
      .filter(([, , r]) => r < 3)
      .map(([name, c, r]) => `${name} ${c} ${r.toFixed(2)}:1`);
    expect(low).toEqual([]);
  });

  it('keeps the grid outline colours 10 or more apart in every vision', () => {
    const grids = Object.fromEntries(GRID_PALETTE.map((c, i) => [`grid${i}`, c]));
    const worst = closestPair(grids);
    expect(worst.dE, `${worst.vision}: ${grids[worst.a]} vs ${grids[worst.b]}`).toBeGreaterThanOrEqual(10);
  });

  it('can carry white text on each kind colour (the popup badge) at 4.5:1', () => {
    for (const c of Object.values(KIND_COLORS)) expect(contrastRatio('#ffffff', c)).toBeGreaterThanOrEqual(4.5);
  });
});

// ---- Text and marks in the page's CSS ----

/** The app's style sheets by file name, as text (read from disk: Vitest hands CSS imports over empty). */
const fs = (await import('node:' + 'fs')) as { readdirSync(dir: URL): string[]; readFileSync(file: URL, encoding: 'utf8'): string };
const STYLES = new URL('./styles/', import.meta.url);
const SHEETS: Record<string, string> = Object.fromEntries(
  fs.readdirSync(STYLES).filter((f) => f.endsWith('.css')).map((f) => [f, fs.readFileSync(new URL(f, STYLES), 'utf8')]),
);
const css = (file: string) => SHEETS[file].replace(/\/\*[\s\S]*?\*\//g, '');

/** The :root variables of base.css. */
const ROOT: Record<string, string> = Object.fromEntries([...css('base.css').matchAll(/(--[\w-]+):\s*(#[0-9a-f]{3,6})\b/gi)].map((m) => [m[1], m[2]]));

/** The value of a property in a rule's body, a var() of base.css resolved; null unless one plain colour. */
function colourOf(body: string, prop: string, vars: Record<string, string> = ROOT): string | null {
  const m = body.match(new RegExp(`(?:^|[;{\\s])${prop}:\\s*([^;]+);`));
  if (!m) return null;
  let v = m[1].trim();
  const ref = v.match(/^var\((--[\w-]+)\)$/);
  if (ref) v = vars[ref[1]] ?? v;
  return /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(v) ? v : null;
}

/** The rules of a CSS file as [selector, body]. */
const rules = (file: string) =>
  css(file)
    .split('}')
    .map((b: string) => b.split('{'))
    .filter((p) => p.length === 2)
    .map(([sel, body]) => [sel.trim().replace(/\s+/g, ' '), body] as const);

/** The SLA tones of panel.css: --sla and --sla-bg per tone. */
function slaTones(): Record<string, { sla: string; bg: string }> {
  const tones: Record<string, { sla: string; bg: string }> = {};
  for (const [sel, body] of rules('panel.css')) {
    const tone = sel.match(/\[data-sla="(\w+)"\]/)?.[1] ?? sel.match(/^\[data-tone="(\w+)"\]$/)?.[1];
    const sla = body.match(/--sla:\s*(#[0-9a-f]{6})/i)?.[1];
    const bg = body.match(/--sla-bg:\s*(#[0-9a-f]{6})/i)?.[1];
    if (tone && sla && bg) tones[tone] = { sla, bg };
  }
  return tones;
}

describe('text contrast (WCAG AA)', () => {
  it('gives every rule that sets both a text colour and a background 4.5:1 or more', () => {
    const low: string[] = [];
    let checked = 0;
    for (const file of Object.keys(SHEETS)) {
      for (const [sel, body] of rules(file)) {
        const fg = colourOf(body, 'color');
        const bg = colourOf(body, 'background') ?? colourOf(body, 'background-color');
        if (!fg || !bg) continue;
        const r = contrastRatio(fg, bg);
        checked++;
        if (r < 4.5) low.push(`${file} ${sel}: ${fg} on ${bg} ${r.toFixed(2)}:1`);
      }
    }
    expect(low).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('uses the map SLA colours for the SLA tones, legible as text: countdowns, the 临期 badge, list marks', () => {
    const tones = slaTones();
    expect(Object.keys(tones).sort()).toEqual(['closed', 'green', 'red', 'yellow']);
    for (const [name, c] of Object.entries(SLA_COLORS)) expect(tones[name].sla.toLowerCase()).toBe(c);
    const low: string[] = [];
    for (const [tone, { sla, bg }] of Object.entries(tones)) {
      // .sla-badge: the tone on its tint; .todo-due: the countdown on a list item, plain or selected.
      for (const [where, back] of [['its tint', bg], ['white', '#ffffff'], ['a selected item', '#fff1f0']]) {
        const r = contrastRatio(sla, back);
        if (r < 4.5) low.push(`${tone} ${sla} on ${where} ${back}: ${r.toFixed(2)}:1`);
      }
    }
    expect(low).toEqual([]);
  });

  it('keeps secondary text (legend counts and notes, table heads) at 4.5:1 on white, the canvas and table heads', () => {
    for (const back of ['#ffffff', ROOT['--canvas'], '#f8f9fb']) expect(contrastRatio(ROOT['--muted'], back)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(ROOT['--ink'], ROOT['--canvas'])).toBeGreaterThanOrEqual(4.5);
  });

  it('draws the focus ring at 3:1 or more against every surface it sits on', () => {
    for (const back of ['#ffffff', ROOT['--canvas'], BACKGROUND_COLOR, '#fff1f0', '#fff5f5']) expect(contrastRatio(ROOT['--focus'], back)).toBeGreaterThanOrEqual(3);
    expect(css('base.css')).toMatch(/:focus-visible\s*{\s*outline:\s*3px solid var\(--focus\)/);
  });
});
