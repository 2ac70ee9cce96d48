// The request pin: a teardrop standing on its organization, coloured by
// SLA state, with a white mark inside that says the state without colour
// (in time: a dot; 临期: a clock; overdue: "!"). Drawn here pixel by pixel
// from distance functions, so no image file or canvas is needed (and the
// pixels can be tested).
import { parseHex } from '../contrast';

/** The pin in CSS pixels; the image is drawn at PIN_PIXEL_RATIO. */
export const PIN_WIDTH = 20;
export const PIN_HEIGHT = 28;
export const PIN_PIXEL_RATIO = 2;
/** The centre of the pin's round head, from the image's top left, in CSS pixels. */
export const PIN_HEAD: readonly [number, number] = [10, 10];
const HEAD_RADIUS = 9;
const BORDER = 1.5;

export type PinMark = 'dot' | 'clock' | 'alert' | 'none';

export interface PinImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Distance from p to the segment a–b. */
function segment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Signed distance to the teardrop (negative inside), in CSS pixels. */
function teardrop(x: number, y: number): number {
  const [cx, cy] = PIN_HEAD;
  const tipY = PIN_HEIGHT - 0.5;
  const circle = Math.hypot(x - cx, y - cy) - HEAD_RADIUS;
  // The two sides run from the tip to where they touch the head.
  const d = tipY - cy;
  const angle = Math.asin(HEAD_RADIUS / d);
  const tx = HEAD_RADIUS * Math.cos(angle);
  const ty = cy + HEAD_RADIUS * Math.sin(angle);
  const left = segment(x, y, cx, tipY, cx - tx, ty);
  const right = segment(x, y, cx, tipY, cx + tx, ty);
  // Inside the triangle tip–tangent points: the nearer side, negated.
  const side = (ax: number, ay: number, bx: number, by: number) => (bx - ax) * (y - ay) - (by - ay) * (x - ax);
  const sides = [side(cx, tipY, cx - tx, ty), side(cx - tx, ty, cx + tx, ty), side(cx + tx, ty, cx, tipY)];
  const inTriangle = sides.every((v) => v >= 0) || sides.every((v) => v <= 0);
  const triangle = inTriangle ? -Math.min(left, right) : Math.min(left, right);
  return Math.min(circle, triangle);
}

/** Signed distance to the white mark inside the head. */
function markDistance(mark: PinMark, x: number, y: number): number {
  const [cx, cy] = PIN_HEAD;
  switch (mark) {
    case 'dot':
      return Math.hypot(x - cx, y - cy) - 3.4;
    case 'clock': {
      const ring = Math.abs(Math.hypot(x - cx, y - cy) - 4.6) - 0.8;
      const hands = Math.min(segment(x, y, cx, cy, cx, cy - 3), segment(x, y, cx, cy, cx + 2.4, cy)) - 0.8;
      return Math.min(ring, hands);
    }
    case 'alert':
      return Math.min(segment(x, y, cx, cy - 4.6, cx, cy + 1) - 1.3, Math.hypot(x - cx, y - (cy + 4.2)) - 1.4);
    case 'none':
      return Infinity;
  }
}

/** How much of a pixel a shape covers, from its signed distance (in image pixels). */
const coverage = (d: number) => Math.max(0, Math.min(1, 0.5 - d));

/** The RGBA pixels of a pin in `color` with `mark` (for map.addImage). */
export function pinImage(color: string, mark: PinMark): PinImage {
  const r = PIN_PIXEL_RATIO;
  const width = PIN_WIDTH * r;
  const height = PIN_HEIGHT * r;
  const data = new Uint8Array(width * height * 4);
  const fill = parseHex(color);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const x = (i + 0.5) / r;
      const y = (j + 0.5) / r;
      const shape = teardrop(x, y) * r;
      const outer = coverage(shape);
      if (outer === 0) continue;
      // A white border keeps pins apart from each other and from the dots.
      const body = coverage(shape + BORDER * r);
      const white = Math.max(1 - body, coverage(markDistance(mark, x, y) * r));
      const k = (j * width + i) * 4;
      for (let c = 0; c < 3; c++) data[k + c] = Math.round(fill[c] * (1 - white) + 255 * white);
      data[k + 3] = Math.round(255 * outer);
    }
  }
  return { width, height, data };
}
