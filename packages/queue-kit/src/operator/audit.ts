import type { Logger } from "pino";
import type { RedisClient } from "../connections.ts";
import type { KeyNames } from "../keys.ts";

/** Who did what to kept events, when, with which filter, and how many it touched. */
export type AuditEntry = {
  actor: string;
  action: "replay" | "purge" | "adopt" | "trim" | "pause" | "resume";
  dryRun: boolean;
  filter: unknown;
  matched: number;
  changed: number;
};

const auditLength = 10_000;

/** Appends to a capped Redis stream (read with `skyhook audit` or XREVRANGE) and logs it. */
export async function recordAudit(
  redis: RedisClient,
  keys: KeyNames,
  logger: Logger,
  entry: AuditEntry,
  now = new Date(),
): Promise<void> {
  const at = now.toISOString();
  logger.info({ audit: true, at, ...entry }, `operator ${entry.action}`);
  await redis.xadd(
    keys.audit(),
    "MAXLEN",
    "~",
    auditLength,
    "*",
    "entry",
    JSON.stringify({ at, ...entry }),
  );
}

export async function readAudit(redis: RedisClient, keys: KeyNames, count: number) {
  const rows = await redis.xrevrange(keys.audit(), "+", "-", "COUNT", count);
  return rows.flatMap(([, fields]) => {
    const raw = fields[fields.indexOf("entry") + 1];
    try {
      return raw === undefined ? [] : [JSON.parse(raw) as AuditEntry & { at: string }];
    } catch {
      return [];
    }
  });
}
