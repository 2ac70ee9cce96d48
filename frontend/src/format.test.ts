import { describe, expect, it } from 'vitest';
import { fixed, formatDistance, formatHours, formatMean, formatRate, formatShare, percent, signed } from './format';

describe('formatRate', () => {
  it.each([
    [{ numerator: 121, denominator: 126, rate: 0.9603 }, '96.0%（121/126）'],
    [{ numerator: 21, denominator: 21, rate: 1 }, '100.0%（21/21）'],
    [{ numerator: 0, denominator: 5, rate: 0 }, '0.0%（0/5）'],
    [{ numerator: 3, denominator: 21, rate: 0.1429 }, '14.3%（3/21）'],
    // Half a tenth rounds up, from the counts, not from a binary fraction.
    [{ numerator: 1, denominator: 8, rate: 0.125 }, '12.5%（1/8）'],
    [{ numerator: 1, denominator: 16, rate: 0.0625 }, '6.3%（1/16）'],
    [{ numerator: 0, denominator: 0, rate: null }, '—（0/0）'],
  ])('words %j as %s', (r, want) => {
    expect(formatRate(r)).toBe(want);
  });

  it('says 不适用 for a figure that does not apply', () => {
    expect(formatRate(null)).toBe('不适用');
  });

  it('never gives a bare percentage', () => {
    for (let den = 1; den < 40; den++) {
      for (let num = 0; num <= den; num++) expect(formatRate({ numerator: num, denominator: den, rate: null })).toMatch(/^\d+\.\d%（\d+\/\d+）$/);
    }
  });

  it('words shares of covered out of total the same way', () => {
    expect(formatShare(84, 119)).toBe('70.6%（84/119）');
    expect(percent(2, 3)).toBe('66.7%');
  });
});

describe('medians, means and distances', () => {
  it('gives each with how many values it summarises', () => {
    expect(formatHours({ count: 21, value: 9.55 })).toBe('9.6 小时（21 件）');
    expect(formatHours({ count: 0, value: null })).toBe('—（0 件）');
    expect(formatMean({ sum: 86, count: 21, value: 4.1 })).toBe('4.10 分（21 件）');
    expect(formatMean({ sum: 0, count: 0, value: null })).toBe('—（0 件）');
  });

  it('words distances in metres or kilometres', () => {
    expect(formatDistance(415.4)).toBe('415 米');
    expect(formatDistance(1500.32)).toBe('1.50 千米');
    expect(formatDistance(68064.74)).toBe('68.1 千米');
    expect(formatDistance(null)).toBe('—');
  });

  it('signs changes', () => {
    expect(signed(3)).toBe('+3');
    expect(signed(-2)).toBe('−2');
    expect(signed(0)).toBe('0');
    expect(signed(-0.04, 1)).toBe('0.0');
  });
});

describe('fixed', () => {
  it('rounds halves up as written in decimal', () => {
    expect(fixed(165.85, 1)).toBe('165.9');
    expect(fixed(1.005, 2)).toBe('1.01');
    expect(fixed(4.1, 2)).toBe('4.10');
    expect(fixed(Number.NaN, 1)).toBe('—');
  });
});
