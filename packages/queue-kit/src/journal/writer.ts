import type { RedisClient } from "../connections.ts";
import type { KeyNames } from "../keys.ts";
import { ledgerScripts } from "../scripts.ts";
import type { JournalFields, JournalOutcome, JournalSettings } from "./entry.ts";
import { journalParams } from "./journal-lua.ts";

export type JournalWriter = {
  /**
   * Appends one entry to `queue`'s journal and indexes it: one command (a script). Rejects when
   * Redis does; callers that must not fail for it catch.
   */
  write(queue: string, outcome: JournalOutcome, fields: JournalFields): Promise<void>;
};

/**
 * Writes the entries no ledger script writes with its count: a rejected delivery, the outcome
 * of a job's run. Deliveries, filtered deliveries and events leaving kept queues are journaled
 * by the ledger's own scripts (ledger.ts).
 */
export function createJournalWriter(
  redis: RedisClient,
  keys: KeyNames,
  settings: JournalSettings,
  now: () => Date = () => new Date(),
): JournalWriter {
  const run = ledgerScripts(redis);
  return {
    async write(queue, outcome, fields) {
      if (!settings.enabled) return;
      const params = journalParams(keys, settings, queue, fields, now());
      await run.skyhookJournal(...params.keys, outcome, ...params.args);
    },
  };
}
