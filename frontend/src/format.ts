// Number wording shared by the statistics and the rebalancing views: every
// rate comes with what it was taken over ("96.0%（121/126）"), never as a
// bare percentage; medians and means with how many values they summarise.
import type { Mean, Median, Rate } from './api';

/**
 * v with d decimals, halves rounded up as written in decimal: 165.85 is
 * 165.9 (toFixed would give 165.8, from the binary fraction just below).
 */
export function fixed(v: number, d: number): string {
  if (!Number.isFinite(v)) return '—';
  const r = Math.round(Number(`${v}e${d}`));
  return (Number.isFinite(r) ? Number(`${r}e-${d}`) : v).toFixed(d);
}

/** The share num/den as a percentage with one decimal ("96.0%"), or "—" when den is 0. */
export function percent(num: number, den: number): string {
  if (!(den > 0) || !Number.isFinite(num)) return '—';
  // Rounded from the counts in integers of 0.1 %, so that 0.5 steps are
  // not at the mercy of binary fractions.
  return `${(Math.round((num * 1000) / den) / 10).toFixed(1)}%`;
}

/**
 * A rate with its numerator and denominator: "96.0%（121/126）";
 * "—（0/0）" when there was nothing to count, "不适用" when the figure
 * does not apply (null).
 */
export function formatRate(r: Rate | null | undefined): string {
  if (!r) return '不适用';
  return `${percent(r.numerator, r.denominator)}（${r.numerator}/${r.denominator}）`;
}

/** A share of covered out of total, worded as a rate: "70.6%（84/119）". */
export function formatShare(covered: number, total: number): string {
  return formatRate({ numerator: covered, denominator: total, rate: null });
}

/** A median of hours with its count: "9.6 小时（21 件）", or "—（0 件）". */
export function formatHours(m: Median | null | undefined): string {
  if (!m) return '不适用';
  if (m.value === null || m.count === 0) return `—（${m.count} 件）`;
  return `${fixed(m.value, 1)} 小时（${m.count} 件）`;
}

/** A mean rating with its count: "4.10 分（21 件）". */
export function formatMean(m: Mean | null | undefined): string {
  if (!m) return '不适用';
  if (m.value === null || m.count === 0) return `—（${m.count} 件）`;
  return `${fixed(m.value, 2)} 分（${m.count} 件）`;
}

/** A distance in metres: "415 米", "1.50 千米", "68.1 千米". */
export function formatDistance(metres: number | null | undefined): string {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return '—';
  const m = Math.max(0, metres);
  if (m < 1000) return `${Math.round(m)} 米`;
  const km = m / 1000;
  return km < 10 ? `${fixed(km, 2)} 千米` : `${fixed(km, 1)} 千米`;
}

/** A count with a sign for a change: "+3", "−2", "0". */
export function signed(n: number, digits = 0): string {
  const v = Number(fixed(n, digits));
  if (v === 0) return (0).toFixed(digits);
  return v > 0 ? `+${v.toFixed(digits)}` : `−${Math.abs(v).toFixed(digits)}`;
}
