/**
 * A read-only view of decoded 8-bit pixels in whatever layout the decoder produced, so the
 * resampler can read decoder output in place (a PNG's filtered rows, libjpeg's output buffer)
 * instead of copying it to packed RGB first.
 *
 * @module
 */

/** Decoded 8-bit pixels, laid out as the decoder left them. */
export interface PixelView {
  /** The bytes; only the described pixels are read. */
  data: Uint8Array;
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Index of the first pixel's first byte. */
  offset: number;
  /** Bytes from one row's start to the next's. */
  rowStride: number;
  /** Bytes from one pixel to the next (1–4); bytes past the colour ones are ignored. */
  pixelStride: number;
  /** True: one grey byte per pixel (R = G = B); false: R, G, B in the first three bytes. */
  grey: boolean;
}

/** A view of packed rows of `channels`-byte pixels (3 = RGB, 1 = grey, 4 = RGB + ignored). */
export function packedView(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): PixelView {
  return {
    data,
    width,
    height,
    offset: 0,
    rowStride: width * channels,
    pixelStride: channels,
    grey: channels === 1,
  };
}

/** Copies a view into packed RGB, 3 bytes per pixel (grey replicated), row after row. */
export function toRgb(view: PixelView): Uint8Array {
  const { data, width, height, rowStride, pixelStride, grey } = view;
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let p = view.offset + y * rowStride;
    for (let x = 0; x < width; x++, p += pixelStride) {
      if (grey) {
        const v = data[p];
        out[o++] = v;
        out[o++] = v;
        out[o++] = v;
      } else {
        out[o++] = data[p];
        out[o++] = data[p + 1];
        out[o++] = data[p + 2];
      }
    }
  }
  return out;
}
