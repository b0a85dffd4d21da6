import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { startIngress, startWorkerWithOps } from "./support/in-process.ts";
import { repoRoot } from "./support/processes.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";

/**
 * The alert rules and the Grafana dashboard in deploy/observability name metrics by string;
 * a renamed metric would leave an alert that never fires. Every name they use must be one that
 * a running ingress or worker exports.
 */
const prefix = uniquePrefix("obs");
const redis = connect();
let exported = new Set<string>();
const closers: Array<() => Promise<void>> = [];

const Rules = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          alert: z.string(),
          expr: z.string(),
          annotations: z.object({ summary: z.string(), runbook: z.string() }),
        }),
      ),
    }),
  ),
});
const rules = Rules.parse(
  parse(readFileSync(join(repoRoot, "deploy/observability/alerts.yml"), "utf8")),
).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(
  readFileSync(join(repoRoot, "deploy/observability/grafana-dashboard.json"), "utf8"),
) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };

/** Histogram series (`_bucket`, `_sum`, `_count`) belong to their histogram's name. */
const metricNames = (expr: string) =>
  [...expr.matchAll(/\b(skyhook_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+)\b/g)].map((m) =>
    (m[1] ?? "").replace(/_(bucket|sum|count)$/, ""),
  );

beforeAll(async () => {
  const ingress = await startIngress({ QUEUE_PREFIX: prefix });
  const worker = await startWorkerWithOps({ QUEUE_PREFIX: prefix });
  closers.push(
    () => worker.close(),
    () => ingress.close(),
  );
  const names = new Set<string>();
  for (const url of [ingress.opsUrl, worker.opsUrl]) {
    for (const name of (await scrape(url)).types.keys()) names.add(name);
  }
  exported = names;
});

afterAll(async () => {
  for (const close of closers) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe("deploy/observability", () => {
  it("alerts on dead letters, event age, ledger drift, silence, a worker not consuming, shedding and trimmed events", () => {
    const alerts = rules.map((r) => r.alert);
    expect(alerts).toEqual(
      expect.arrayContaining([
        "SkyhookDeadLettersGrowing",
        "SkyhookEventAgeOverSlo",
        "SkyhookLedgerDrift",
        "SkyhookNoDeliveries",
        "SkyhookWorkerNotConsuming",
        "SkyhookIngressShedding",
        "SkyhookRedisMemoryHigh",
        "SkyhookKeptEventsTrimmed",
      ]),
    );
  });

  it("names only metrics that the ingress and the worker export", () => {
    expect(exported.size).toBeGreaterThan(5);
    const used = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      ...dashboard.panels.flatMap((p) =>
        p.targets.map((t) => ({ where: `panel ${p.title}`, expr: t.expr })),
      ),
    ];
    const unknown = used.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(used.flatMap((u) => metricNames(u.expr)).length).toBeGreaterThan(10);
  });

  it("links every alert to a section of the runbook that exists", () => {
    const runbook = readFileSync(join(repoRoot, "docs/runbook.md"), "utf8");
    const anchors = new Set(
      [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
        (m[1] ?? "")
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const rule of rules) {
      const anchor = rule.annotations.runbook.split("#")[1] ?? "";
      expect(anchors.has(anchor), `${rule.alert} → #${anchor}`).toBe(true);
    }
  });
});
