import {
  defaultCatalog,
  defaultRetryPolicy,
  type QueueNames,
  queueNamesFor,
} from "@skyhook/contracts";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, uniquePrefix } from "../../../test/support/redis.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { keyNames } from "./keys.ts";
import { createRouteRegistry, createRouter, type Router } from "./route-registry.ts";

const silent = pino({ level: "silent" });
const later = queueNamesFor("TRAVELER_V2", "TRAVELER_UPDATED");

/**
 * The router's watch of the announced routes, which the dashboard lists its queues from:
 * `refresh` is called once as the dashboard starts (as here, to read at once), then reads
 * follow every `refreshMs`.
 */
describe("createRouter: watching the announced routes", () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const watches: Router[] = [];
  const watch = (options: Parameters<typeof createRouter>[0]) => {
    const started = createRouter(options);
    watches.push(started);
    void started.refresh();
    return started;
  };

  beforeAll(() => {
    redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    for (const started of watches) started.close();
    for (const prefix of prefixes) await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it("reports the catalog's queues, then those of a route a worker announces later (real Redis)", async () => {
    const prefix = uniquePrefix("dash-watch");
    prefixes.push(prefix);
    const registry = createRouteRegistry(redis, keyNames(prefix));
    const seen: QueueNames[][] = [];
    watch({
      catalog: defaultCatalog,
      registry,
      refreshMs: 100,
      logger: silent,
      onRoutes: (groups) => seen.push(groups),
    });
    await waitFor("a first read", () => (seen.length > 0 ? true : undefined));
    expect(seen[0]?.map((g) => g.queue)).not.toContain(later.queue);

    await registry.announce([
      {
        eventType: "TRAVELER_V2",
        operation: "TRAVELER_UPDATED",
        queues: later,
        retry: defaultRetryPolicy,
      },
    ]);
    const withLater = await waitFor("the announced route", () =>
      seen.find((groups) => groups.some((g) => g.queue === later.queue)),
    );
    expect(withLater).toContainEqual(later);
    for (const spec of defaultCatalog.specs) expect(withLater).toContainEqual(spec.queues);
  });

  it("keeps reading after a failed read, and tells the board nothing until one succeeds", async () => {
    let calls = 0;
    const seen: QueueNames[][] = [];
    watch({
      catalog: defaultCatalog,
      registry: {
        async list() {
          calls += 1;
          if (calls < 3) throw new Error("Connection is closed.");
          return [];
        },
      },
      refreshMs: 50,
      logger: silent,
      onRoutes: (groups) => seen.push(groups),
    });
    await waitFor("a successful read after two failures", () =>
      seen.length > 0 ? true : undefined,
    );
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it("never starts a read of its own while the previous one still waits (a Redis outage)", async () => {
    let calls = 0;
    watch({
      catalog: defaultCatalog,
      registry: {
        list() {
          calls += 1;
          return new Promise(() => {});
        },
      },
      refreshMs: 20,
      logger: silent,
      onRoutes: () => {},
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(1);
  });

  it("stops reading once closed", async () => {
    let calls = 0;
    const started = watch({
      catalog: defaultCatalog,
      registry: {
        async list() {
          calls += 1;
          return [];
        },
      },
      refreshMs: 20,
      logger: silent,
      onRoutes: () => {},
    });
    await waitFor("a first read", () => (calls > 0 ? true : undefined));
    started.close();
    const atClose = calls;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls - atClose).toBeLessThanOrEqual(1);
  });
});
