import { describe, expect, it } from 'vitest';
import { GRID_PALETTE, KIND_COLORS, LABEL_FONTS, LABEL_FONTS_BOLD, UNKNOWN_KIND_COLOR, gridColors, kindColorExpression } from './theme';

const grid = (id: number, code: string) => ({ id, properties: { code } });

describe('gridColors', () => {
  it('gives six grids six different colours', () => {
    const colors = gridColors([1, 2, 3, 4, 5, 6].map((id) => grid(id, `G0${id}`)));
    expect(new Set(colors.values()).size).toBe(6);
  });

  it('assigns by grid code, not by answer order', () => {
    const a = gridColors([grid(1, 'G01'), grid(2, 'G02')]);
    const b = gridColors([grid(2, 'G02'), grid(1, 'G01')]);
    expect(b).toEqual(a);
    expect(a.get(1)).toBe(GRID_PALETTE[0]);
  });
});

describe('kind colours', () => {
  it('are distinct per kind and differ from the unknown colour', () => {
    const colors = Object.values(KIND_COLORS);
    expect(new Set([...colors, UNKNOWN_KIND_COLOR]).size).toBe(4);
  });

  it('are what the map expression picks', () => {
    const expr = kindColorExpression() as unknown[];
    expect(expr.slice(0, 2)).toEqual(['match', ['get', 'kind']]);
    for (const [kind, color] of Object.entries(KIND_COLORS)) {
      expect(expr[expr.indexOf(kind) + 1]).toBe(color);
    }
    expect(expr.at(-1)).toBe(UNKNOWN_KIND_COLOR);
  });
});

describe('label fonts', () => {
  it('start with a Chinese font and end with a generic family', () => {
    expect(LABEL_FONTS[0]).toBe('Noto Sans CJK SC');
    expect(LABEL_FONTS.at(-1)).toBe('sans-serif');
    expect(LABEL_FONTS_BOLD[0]).toMatch(/\bBold$/);
  });
});
