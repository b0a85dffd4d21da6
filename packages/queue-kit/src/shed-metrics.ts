import { Counter, Gauge, type Registry } from "prom-client";

/**
 * The ingress's load shedding: `skyhook_ingress_shed_total{reason}`, counted by the returned
 * function; `skyhook_ingress_shedding{reason}` and `skyhook_redis_memory_budget_ratio`, read
 * from `state` on each scrape.
 */
export function registerShedMetrics<Reason extends string>(
  registry: Registry,
  reasons: readonly Reason[],
  state: { shedding(reason: Reason): boolean; memoryShare(): number | undefined },
): { countShed(reason: Reason): void } {
  const registers = [registry];
  const shed = new Counter({
    name: "skyhook_ingress_shed_total",
    help: "Deliveries refused with 503 overloaded before Redis fills, by reason (redis_memory, backlog, catch_all_full).",
    labelNames: ["reason"] as const,
    registers,
  });
  new Gauge({
    name: "skyhook_ingress_shedding",
    help: "1 while this ingress refuses deliveries for the reason (redis_memory: every delivery; backlog, catch_all_full: those to a queue over its budget).",
    labelNames: ["reason"] as const,
    registers,
    collect() {
      for (const reason of reasons) this.set({ reason }, state.shedding(reason) ? 1 : 0);
    },
  });
  new Gauge({
    name: "skyhook_redis_memory_budget_ratio",
    help: "Used memory of the fullest Redis master over the point where the ingress starts shedding (1: shedding); absent while no master has a limit.",
    registers,
    collect() {
      this.reset();
      const share = state.memoryShare();
      if (share !== undefined) this.set(share);
    },
  });
  return { countShed: (reason) => shed.inc({ reason }) };
}
