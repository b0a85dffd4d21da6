import { createHmac, randomBytes } from "node:crypto";

/**
 * Logins whose password was verified lately. HTTP Basic sends the password with every request
 * (the board polls every few seconds and loads a dozen assets), and checking a scrypt hash
 * costs about half a second of CPU by design: each (user, password) pair is verified once and
 * then remembered for `ttlMs`. Only a keyed HMAC of the pair is kept, under a key that lives in
 * this process's memory only, so the memory holds nothing a guesser could test passwords
 * against. A changed users file takes a restart anyway, which forgets everything.
 */
export function createRememberedLogins(options: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}) {
  const key = randomBytes(32);
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>();
  const tagOf = (name: string, password: string) =>
    createHmac("sha256", key).update(name).update("\0").update(password).digest("base64");

  return {
    has(name: string, password: string): boolean {
      const tag = tagOf(name, password);
      const expiresAt = expiries.get(tag);
      if (expiresAt === undefined) return false;
      if (expiresAt > now()) return true;
      expiries.delete(tag);
      return false;
    },
    add(name: string, password: string): void {
      const tag = tagOf(name, password);
      expiries.delete(tag);
      // Oldest first: Map keeps insertion order, and an entry is re-inserted when renewed.
      while (expiries.size >= options.maxEntries) {
        const oldest = expiries.keys().next();
        if (oldest.done === true) break;
        expiries.delete(oldest.value);
      }
      expiries.set(tag, now() + options.ttlMs);
    },
  };
}
