/**
 * Spotnana's PNR payloads nest a dozen levels or so. Anything far deeper is hostile: parsing
 * copes, but the recursive serialisers behind it (the event digest, BullMQ's job encoding)
 * overflow the stack. One linear pass over the bytes, before parsing, refuses it cheaply.
 */
export const maxJsonDepth = 64;

const quote = 0x22;
const backslash = 0x5c;
const open = new Set([0x7b, 0x5b]);
const close = new Set([0x7d, 0x5d]);

export function exceedsJsonDepth(body: Buffer, limit = maxJsonDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (inString) {
      if (byte === backslash) i++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) {
      inString = true;
    } else if (open.has(byte)) {
      if (++depth > limit) return true;
    } else if (close.has(byte)) {
      depth--;
    }
  }
  return false;
}
