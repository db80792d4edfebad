/**
 * Byte-array helpers shared by the decoders, the HTTP code and the replica's buffer hand-overs.
 *
 * @module
 */

/** The parts laid end to end: the one part itself when there is only one, else a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * True when `view` spans its whole buffer from offset 0, so handing over (transferring or pooling)
 * the buffer hands over exactly this view and nothing that other code may still be reading.
 */
export function isWholeBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}
