import { describe, expect, it } from 'vitest';
import { BOM, csvCell, toCsv } from './csv';

describe('csvCell', () => {
  it.each([
    ['新材料产业网格', '新材料产业网格'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [' padded', '" padded"'],
    // Text that Excel would run as a formula stays text.
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+86 138', "'+86 138"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [12, '12'],
    [-3.5, '-3.5'],
    [96.5, '96.5'],
    [Number.NaN, ''],
    [null, ''],
    [undefined, ''],
  ])('writes %j as %s', (v, want) => {
    expect(csvCell(v)).toBe(want);
  });
});

describe('toCsv', () => {
  it('starts with a BOM and ends every line with CRLF', () => {
    const csv = toCsv([
      ['网格', '办结率（%）'],
      ['新能源, 储能', 96],
    ]);
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv).toBe('\uFEFF网格,办结率（%）\r\n"新能源, 储能",96\r\n');
  });

  it('encodes as UTF-8 with the EF BB BF mark Excel looks for', () => {
    const bytes = new TextEncoder().encode(toCsv([['网格']]));
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('网格\r\n');
  });
});
