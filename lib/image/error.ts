/**
 * The one error type the image pipeline throws for bad input, with a code the HTTP layer maps to a
 * status: `unsupported_format` → 415, `undecodable`, `too_large` and `too_complex` → 422.
 *
 * @module
 */

/** Why an image was refused. */
export type ImageErrorCode = "unsupported_format" | "undecodable" | "too_large" | "too_complex";

/** A refused image: `code` says the class of problem, `message` says what failed and the value. */
export class ImageError extends Error {
  /** The class of problem, stable for callers to switch on. */
  readonly code: ImageErrorCode;

  /**
   * Creates the error.
   *
   * @param code the class of problem
   * @param message what failed and the offending value
   * @param options the underlying decoder error, if any
   */
  constructor(code: ImageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ImageError";
    this.code = code;
  }
}

/** Shorthand for `new ImageError("undecodable", message)`. */
export function undecodable(message: string, cause?: unknown): ImageError {
  return new ImageError("undecodable", message, cause === undefined ? undefined : { cause });
}

/**
 * A pixel count as a short string: plain below a billion, else compact exponent form
 * (`10000000000` → `1e10`, `4225000000` → `4.225e9`).
 */
export function formatPixels(pixels: number): string {
  return pixels < 1e9 ? String(pixels) : pixels.toExponential().replace("e+", "e");
}
