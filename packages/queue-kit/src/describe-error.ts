/**
 * One line naming an error and every cause beneath it, so a dead letter says why, not just
 * what: `TypeError: fetch failed ← Error: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)`.
 */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== undefined && current !== null && !seen.has(current) && parts.length < 8) {
    seen.add(current);
    if (current instanceof Error) {
      const code =
        "code" in current && typeof current.code === "string" ? ` (${current.code})` : "";
      const message = current.message.split("\n", 1)[0] ?? "";
      parts.push(`${current.name}: ${message}${code}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join(" ← ");
}
