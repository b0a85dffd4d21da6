import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { weakSecretReason } from "./secret-strength.ts";

/**
 * Password hashes in the PHC string format for scrypt, as Python's passlib and others write it:
 * `$scrypt$ln=15,r=8,p=4$<salt>$<key>`, salt and key in unpadded standard base64. `ln` is
 * log2 of scrypt's cost N. One string per user, so a users file can be edited by hand.
 */
export type ScryptParams = { logN: number; r: number; p: number };

export type PasswordHash = ScryptParams & { salt: Buffer; key: Buffer };

/**
 * OWASP's password storage cheat sheet lists N=2^17,r=8,p=1 and, as equally strong, N=2^15,r=8,
 * p=3 and beyond: the work is N·r·p. p=4 at N=2^15 does that work in 32 MiB rather than 128 MiB,
 * which matters when several logins are checked at once (about 0.45 s each on a shared 2-core
 * machine; a successful login is then remembered, see the dashboard's login).
 */
export const defaultScryptParams: ScryptParams = { logN: 15, r: 8, p: 4 };

/**
 * The bar for a password people choose (the dashboard's, in production): at least this long and
 * not obviously predictable, by the same rule as every production secret. In practice a
 * passphrase of five words or more, or `openssl rand -base64 18`.
 */
export const minPasswordLength = 20;

export function weakPasswordReason(password: string): string | undefined {
  return weakSecretReason(password, minPasswordLength);
}

const saltBytes = 16;
const keyBytes = 32;
/** Above this a hash is refused anywhere: one login must not be able to take the machine's memory. */
const maxMemoryBytes = 256 * 1024 * 1024;

const memoryOf = (params: ScryptParams) => 128 * 2 ** params.logN * params.r;

function derive(password: string, salt: Buffer, params: ScryptParams, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      length,
      { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: 2 * memoryOf(params) + 1_048_576 },
      (err, key) => (err === null ? resolve(key) : reject(err)),
    );
  });
}

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

export function formatPasswordHash(hash: PasswordHash): string {
  return `$scrypt$ln=${hash.logN},r=${hash.r},p=${hash.p}$${b64(hash.salt)}$${b64(hash.key)}`;
}

export async function hashPassword(
  password: string,
  params: ScryptParams = defaultScryptParams,
): Promise<string> {
  const salt = randomBytes(saltBytes);
  return formatPasswordHash({
    ...params,
    salt,
    key: await derive(password, salt, params, keyBytes),
  });
}

const phc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * Reads a hash string. The reasons name what is wrong and never repeat the value: a hash is
 * not a password, but it is what an offline guesser needs.
 */
export function parsePasswordHash(
  text: string,
): { ok: true; hash: PasswordHash } | { ok: false; reason: string } {
  const match = phc.exec(text.trim());
  if (match === null)
    return { ok: false, reason: "not a hash of the form $scrypt$ln=…,r=…,p=…$salt$key" };
  const [, logN = "", r = "", p = "", salt = "", key = ""] = match;
  const hash: PasswordHash = {
    logN: Number(logN),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, "base64"),
    key: Buffer.from(key, "base64"),
  };
  if (hash.logN < 1 || hash.r < 1 || hash.p < 1)
    return { ok: false, reason: "ln, r and p must be positive" };
  if (memoryOf(hash) > maxMemoryBytes)
    return {
      ok: false,
      reason: `needs more than ${maxMemoryBytes / 1_048_576} MiB per check (128·2^ln·r)`,
    };
  if (hash.key.length < 16) return { ok: false, reason: "the key is shorter than 16 bytes" };
  return { ok: true, hash };
}

/**
 * Why a hash is too cheap to guess against for production, or undefined: at least OWASP's
 * work (N·r·p ≥ 2^17·8, r ≥ 8), a 16-byte salt and a 32-byte key, as `hashPassword` makes.
 */
export function weakPasswordHashReason(hash: PasswordHash): string | undefined {
  if (hash.r < 8) return "r is below 8";
  if (2 ** hash.logN * hash.r * hash.p < 2 ** 17 * 8)
    return "too little work: N·r·p is below 2^17·8 (e.g. ln=15,r=8,p=4)";
  if (hash.salt.length < saltBytes) return `the salt is shorter than ${saltBytes} bytes`;
  if (hash.key.length < keyBytes) return `the key is shorter than ${keyBytes} bytes`;
  return undefined;
}

/** Compares in constant time; resolves false for a wrong password, never throws for one. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash, hash.key.length);
  return timingSafeEqual(key, hash.key);
}
