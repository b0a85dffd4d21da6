import { type PasswordHash, parsePasswordHash, weakPasswordHashReason } from "@skyhook/service-kit";
import { z } from "zod";
import { Role } from "./identity.ts";

/** Letters, digits and `. _ @ -`: shown in the audit log and logs as they are. */
export const UserName = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, "1-64 letters, digits, . _ @ -");

/** A built-in user: from DASHBOARD_USERS_FILE (a hash) or DASHBOARD_USER (a plain password). */
export type PasswordUser = {
  name: string;
  role: Role;
  secret: { kind: "hash"; hash: PasswordHash } | { kind: "plain"; password: string };
};

/**
 * Reads a users file: one `name:role:hash` per line (`skyhook dashboard-password` prints the
 * hash), `#` comments and blank lines ignored. Each problem names its line and what is wrong,
 * never the line itself: it holds a hash. In production a hash must meet the work production
 * requires, so a file made for a laptop cannot guard a deployment.
 */
export function parseUsersFile(
  text: string,
  production: boolean,
): { ok: true; users: PasswordUser[] } | { ok: false; problems: string[] } {
  const users: PasswordUser[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const at = `line ${index + 1}`;
    const [name = "", role = "", hashText, ...rest] = line.split(":");
    if (hashText === undefined || rest.length > 0) {
      problems.push(`${at}: expected name:role:hash`);
      return;
    }
    const validName = UserName.safeParse(name);
    const validRole = Role.safeParse(role);
    const hash = parsePasswordHash(hashText);
    if (!validName.success)
      problems.push(`${at}: the user name must be ${validName.error.issues[0]?.message}`);
    if (!validRole.success) problems.push(`${at}: the role must be viewer or operator`);
    if (!hash.ok) problems.push(`${at}: ${hash.reason}`);
    if (!(validName.success && validRole.success && hash.ok)) return;
    const weak = production ? weakPasswordHashReason(hash.hash) : undefined;
    if (weak !== undefined) {
      problems.push(`${at} (${name}): the hash is too weak for production: ${weak}`);
      return;
    }
    if (users.some((user) => user.name === name)) {
      problems.push(`${at}: ${name} is listed twice`);
      return;
    }
    users.push({ name, role: validRole.data, secret: { kind: "hash", hash: hash.hash } });
  });
  if (problems.length === 0 && users.length === 0) problems.push("lists no user");
  return problems.length === 0 ? { ok: true, users } : { ok: false, problems };
}
