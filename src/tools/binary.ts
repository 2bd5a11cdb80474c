/** How much of a file is inspected to decide it is binary. */
export const BINARY_SNIFF_BYTES = 8192;

/** A file is treated as binary when its first 8 KiB contain a NUL byte. */
export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

export { utf8Prefix } from "../sandbox/utf8.js";
