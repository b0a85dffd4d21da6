import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { RedisClient } from "./connections.ts";
import type { DriftPair } from "./contract-drift.ts";
import { driftPathCounts } from "./drift-report.ts";
import type { KeyNames } from "./keys.ts";
import { withTimeout } from "./with-timeout.ts";

/**
 * `skyhook_contract_drift_fields{event_type,operation}`: the undeclared payload paths recorded
 * for each pair `pairs()` names (a worker: the pairs it consumes, so the labels are the
 * catalogue's), read from Redis at scrape time. Like the queue gauges, a scrape never fails nor
 * waits long because of Redis: past `timeoutMs` the gauge is left empty, and that is logged once
 * until a read succeeds again.
 */
export function registerDriftGauge(options: {
  registry: Registry;
  redis: RedisClient;
  keys: KeyNames;
  pairs: () => readonly DriftPair[];
  logger: Logger;
  timeoutMs?: number;
}): void {
  const timeoutMs = options.timeoutMs ?? 1_000;
  let failing = false;
  new Gauge({
    name: "skyhook_contract_drift_fields",
    help: "Payload fields (and enum values) seen in sampled live traffic that the contracts' schema of the pair does not declare, read from Redis at scrape time.",
    labelNames: ["event_type", "operation"] as const,
    registers: [options.registry],
    async collect() {
      this.reset();
      try {
        const counts = await withTimeout(
          driftPathCounts(options.redis, options.keys, options.pairs()),
          timeoutMs,
          "Redis",
        );
        for (const { eventType, operation, paths } of counts)
          this.set({ event_type: eventType, operation }, paths);
        if (failing) options.logger.info("metrics: contract drift read from Redis again");
        failing = false;
      } catch (err) {
        if (!failing)
          options.logger.warn({ err }, "metrics: contract drift could not be read from Redis");
        failing = true;
      }
    },
  });
}
