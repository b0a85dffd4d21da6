/**
 * Every Redis key Skyhook writes beside BullMQ's own, named here and only here. Keys that a
 * script touches together with a queue's keys carry that queue's name, hash tag included
 * (`skyhook:{pnr-v3.flight-cancelled}:sk:ledger`), so on Redis Cluster each script stays in
 * one slot. The `sk:` segment keeps them apart from BullMQ's `<prefix>:<queue>:<jobId>` keys:
 * no Skyhook job id starts with it.
 */
export type KeyNames = ReturnType<typeof keyNames>;

/** The entities the journal is indexed by. */
export type JournalEntity = "pnr" | "trip" | "traveler";

export function keyNames(prefix: string) {
  const inQueue = (queue: string, rest: string) => `${prefix}:${queue}:sk:${rest}`;
  return {
    prefix,
    /** BullMQ's hash of one job; Skyhook marks it once counted (fields `sk-*`). */
    job: (queue: string, jobId: string) => `${prefix}:${queue}:${jobId}`,
    /** Ledger counters of one queue: a hash, field `<counter>|<subscription>|<type>|<op>`. */
    ledger: (queue: string) => inQueue(queue, "ledger"),
    /** Remembers that a filtered delivery was counted, for as long as deduplication lasts. */
    filteredMark: (queue: string, jobId: string) => inQueue(queue, `filtered:${jobId}`),
    /** Job ids of catch-all events per routing pair, so a new handler finds its backlog. */
    pairIndex: (queue: string, eventType: string, operation: string) =>
      inQueue(queue, `pair:${eventType}|${operation}`),
    /** The circuit breaker of the queue's downstream: a hash (state, failures, interval, until). */
    breaker: (queue: string) => inQueue(queue, "breaker"),
    /** While the breaker is open: the one run allowed to try the downstream. */
    breakerProbe: (queue: string) => inQueue(queue, "breaker-probe"),
    /** Why and by whom the queue was paused by hand: a hash (reason, actor, at). */
    pauseNote: (queue: string) => inQueue(queue, "pause"),
    /**
     * The queue's journal: a stream of what happened to its deliveries and jobs, id = time
     * (journal/). Its indexes share the queue's hash tag, so one script writes them together.
     */
    journal: (queue: string) => inQueue(queue, "journal"),
    /** Journal stream ids of one PNR, trip or traveler in the queue: a sorted set by time. */
    journalByEntity: (queue: string, kind: JournalEntity, id: string) =>
      inQueue(queue, `jx:${kind}:${id}`),
    /** Journal stream ids per delivery id, of one UTC day (`yyyy-mm-dd`): a hash. */
    journalByDay: (queue: string, day: string) => inQueue(queue, `jd:${day}`),
    /** Routes announced by running workers: a hash, field `<type>/<op>`, value the route. */
    routes: () => `${prefix}:sk:routes`,
    /** Audit trail of operator actions (replay, purge): a capped stream. */
    audit: () => `${prefix}:sk:audit`,
    /**
     * Contract drift of one routing pair: a hash of the payload paths its schema does not
     * declare (contract-drift.ts). Every drift key shares the `{drift}` hash tag, so one script
     * writes a pair's hash and the index of pairs together on a Cluster.
     */
    drift: (eventType: string, operation: string) =>
      `${prefix}:sk:{drift}:pair:${eventType}|${operation}`,
    /** The routing pairs that have a drift hash: a set of `<type>|<op>`. */
    driftPairs: () => `${prefix}:sk:{drift}:pairs`,
    /** Held by the one ingress replica that sweeps the kept queues in the current interval. */
    sweepLock: () => `${prefix}:sk:sweep-lock`,
    /**
     * Failed authentications in the current window, shared by every ingress replica and route.
     * Scope `address` counts per source address, `client` per (claimed client, address).
     */
    authFailures: (scope: "address" | "client", id: string) =>
      `${prefix}:sk:auth-failures:${scope}:${id}`,
    /**
     * Per-entity keys (`entity` is e.g. `pnr:<pnrId>`) carry the entity as their hash tag, as
     * the handlers' projection of it does, so one script can take them together on a Cluster.
     */
    entityLock: (entity: string) => `${prefix}:entity:{${entity}}:lock`,
    entityNewest: (entity: string) => `${prefix}:entity:{${entity}}:newest`,
    /** The key prefix the handlers' booking store writes its projections under. */
    projection: () => `${prefix}:projection`,
  };
}
