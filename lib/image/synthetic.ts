/**
 * Deterministic synthetic JPEGs: a smooth colour gradient with seeded noise, for warm-ups,
 * calibration and load tests that need a realistic image without shipping one.
 *
 * @module
 */
import jpeg from "jpeg-js";
import type { Rng } from "../shared/mod.ts";

/** A quality-90 JPEG of `width` × `height`: the same size and `rng` state give the same bytes. */
export function syntheticJpeg(
  width: number,
  height: number,
  rng: Rng,
): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(width * height * 4);
  const phase = rng.uniform() * 255;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const noise = (rng.nextU32() & 31) - 16;
      data[o] = clamp((255 * x) / width + noise);
      data[o + 1] = clamp((255 * y) / height + noise);
      data[o + 2] = clamp(phase + noise);
      data[o + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
