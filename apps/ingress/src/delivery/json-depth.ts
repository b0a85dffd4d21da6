/**
 * Spotnana's PNR payloads nest a dozen levels or so. Anything far deeper is hostile: parsing
 * copes, but the recursive serialisers behind it (the event digest, BullMQ's job encoding)
 * overflow the stack. One linear pass over the bytes, before parsing, refuses it cheaply.
 */
export const maxJsonDepth = 64;

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;

/**
 * Outside strings, byte by byte (plain comparisons). A string is skipped with `indexOf` (a
 * native scan) to its next quote; a quote preceded by an odd number of backslashes is escaped
 * and the string goes on. UTF-8 continuation bytes are all ≥ 0x80, so they never look like a
 * bracket or a quote, however malformed the sequence. An unterminated string runs to the end.
 */
export function exceedsJsonDepth(body: Buffer, limit = maxJsonDepth): boolean {
  let depth = 0;
  const length = body.length;
  for (let i = 0; i < length; i++) {
    const byte = body[i] as number;
    if (byte === quote) {
      i = closingQuote(body, i + 1);
      if (i === -1) return false;
    } else if (byte === openBrace || byte === openBracket) {
      if (++depth > limit) return true;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that ends the string starting at `from`, or -1. */
function closingQuote(body: Buffer, from: number): number {
  let at = body.indexOf(quote, from);
  while (at !== -1) {
    let backslashes = 0;
    for (let j = at - 1; j >= from && body[j] === backslash; j--) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = body.indexOf(quote, at + 1);
  }
  return -1;
}
