/**
 * The request-body flags the replica and the dispatcher share: the largest body, the bytes held
 * at once, and the longest upload.
 *
 * @module
 */

/** `--max-body-mb`, `--max-inflight-mb` (default `inflightMb`; past it `refusal`), `--body-timeout-s`. */
export function bodyFlags(inflightMb: number, refusal: string) {
  return {
    "max-body-mb": {
      type: "number",
      default: 16,
      min: 0.001,
      max: 1024,
      help: "largest request body",
    },
    "max-inflight-mb": {
      type: "number",
      default: inflightMb,
      min: 0.001,
      max: 65536,
      help: `request-body bytes held at once; past it ${refusal}`,
    },
    "body-timeout-s": {
      type: "number",
      default: 30,
      min: 0,
      max: 3600,
      help: "longest request body upload (408 past it; 0 = no limit)",
    },
  } as const;
}
