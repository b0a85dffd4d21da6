import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyNames } from "@skyhook/queue-kit";
import { isVersioned, newSigningSecret, routingPairs } from "@skyhook/spotnana-sender";
import type { Redis } from "ioredis";
import { runCliInProcess } from "./cli.ts";
import { startDownstream } from "./downstream.ts";
import { type Persistence, startPrivateRedis } from "./private-redis.ts";
import { type AppProcess, freePort, spawnApp } from "./processes.ts";
import { projectionKeyOf } from "./projection.ts";
import { connect, uniquePrefix } from "./redis.ts";

/**
 * Everything a fault test needs, as production runs it: a Redis of its own (optionally with an
 * append-only file), an ingress and workers as separate processes, a notice receiver, and
 * `skyhook simulate` playing Spotnana against it. The test decides when to break what.
 */

/** Short enough that a SIGKILLed worker's jobs come back within seconds. */
export const lockDurationMs = 3_000;
export const stalledIntervalMs = 1_000;
/** PNR_V3 events come as this many versions of one PNR (the simulator's default). */
const versions = 3;

export type SimReport = {
  events: number;
  attempts: number;
  acknowledged: number;
  retried: number;
  pending: number;
  duplicates: { sent: number; acknowledged: number; answers: Record<string, number> };
  answers: Record<string, number>;
  ackLatencyMs: { p50: number; p95: number; p99: number; max: number };
  check: {
    lost: number;
    ledgerShortfall: number;
    appliedTwice: number;
    unsettled: number;
    e2eLatencyMs: { p50: number; p95: number; p99: number; max: number; events: number };
  };
  ok: boolean;
};

export type Effects = {
  /** PNRs whose projection exists, of those the run's BOOKING_CREATED and FLIGHT_CANCELLED events name. */
  projected: number;
  expectedProjected: number;
  /** Projections left at an older version than the newest one sent. */
  behind: number;
  /** FLIGHT_CANCELLED PNRs with at least one notice, of those sent. */
  notifiedPnrs: number;
  expectedNotifiedPnrs: number;
  /** Notices received more than once under one Idempotency-Key (at least once: allowed). */
  repeatedNotices: number;
  /** Idempotency-Keys whose notices differ: a receiver keeping one per key would go wrong. */
  conflictingNotices: number;
};

/** A Redis topology the rig did not start itself (Sentinel, say): how the apps reach it. */
export type ExternalRedis = { env: Record<string, string>; connect: () => Redis };

export async function startFaultRig(
  options: {
    persistence?: NonNullable<Persistence>["appendfsync"];
    workers?: number;
    noticeAfterMs?: number;
    external?: ExternalRedis;
    ingressEnv?: Record<string, string>;
  } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), "skyhook-faults-"));
  const persistence: Persistence =
    options.persistence === undefined ? undefined : { appendfsync: options.persistence, dir };
  let own =
    options.external === undefined ? await startPrivateRedis(undefined, persistence) : undefined;
  const redis = () => {
    if (own === undefined) throw new Error("this rig runs on an external Redis");
    return own;
  };
  const redisEnv = () => options.external?.env ?? { REDIS_URL: redis().url };
  const connectRedis = () => options.external?.connect() ?? connect(redis().url);
  const prefix = uniquePrefix("faults");
  const secret = newSigningSecret();
  const downstream = await startDownstream(() => 200, options.noticeAfterMs ?? 0);
  const apps: AppProcess[] = [];

  const port = await freePort();
  const ingress = spawnApp("ingress", {
    PORT: String(port),
    HOST: "127.0.0.1",
    ...redisEnv(),
    QUEUE_PREFIX: prefix,
    SPOTNANA_SIGNING_SECRETS: secret,
    ...options.ingressEnv,
  });
  apps.push(ingress);
  await ingress.waitForLog("ingress listening", (l) =>
    String(l.msg).startsWith("ingress listening"),
  );
  const baseUrl = `http://127.0.0.1:${port}`;

  const workers: AppProcess[] = [];
  const startWorker = async () => {
    const worker = spawnApp("worker", {
      ...redisEnv(),
      QUEUE_PREFIX: prefix,
      NOTIFY_URL: downstream.url,
      LOCK_DURATION_MS: String(lockDurationMs),
      STALLED_INTERVAL_MS: String(stalledIntervalMs),
      SHUTDOWN_TIMEOUT_MS: "1000",
      ADOPT_INTERVAL_MS: "1000",
    });
    apps.push(worker);
    workers.push(worker);
    await worker.waitForLog("worker consuming", (l) => l.msg === "consuming", 30_000);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 2); i++) await startWorker();

  /** The `skyhook` command line, in this process, on the rig's Redis and prefix. */
  const cli = (args: readonly string[]) =>
    runCliInProcess(args, { ...redisEnv(), QUEUE_PREFIX: prefix });

  /** Deliveries the ingress answered 200 to, from its own request log. */
  const accepted = () => ingress.logs.filter((l) => l.msg === "request" && l.status === 200).length;

  return {
    prefix,
    baseUrl,
    ingress,
    workers,
    downstream,
    startWorker,
    accepted,
    redis,
    /** SIGKILLs Redis: what it had not written to its append-only file is gone. */
    killRedis: () => redis().kill(),
    /** Starts Redis again on the same port, loading its append-only file (if it keeps one). */
    async startRedis() {
      own = await startPrivateRedis(redis().port, persistence);
    },

    /**
     * A field of BullMQ's hash of one job, as a number: `stc` (how often it was taken back from
     * a worker that stopped renewing its lock), `finishedOn`, …
     */
    async jobField(queue: string, jobId: string, field: string) {
      const connection = connectRedis();
      try {
        return Number(await connection.hget(keyNames(prefix).job(queue, jobId), field));
      } finally {
        connection.disconnect();
      }
    },

    /** Runs `skyhook simulate --check` against the ingress and returns its JSON report. */
    async simulate(args: readonly string[]) {
      const { code, out, err } = await cli([
        "simulate",
        "--json",
        "--url",
        baseUrl,
        "--mode",
        "hmac",
        "--secret",
        secret,
        "--versions",
        String(versions),
        "--check",
        ...args,
      ]);
      if (out === "") throw new Error(`simulate printed no report (exit ${code}): ${err}`);
      return { code, report: JSON.parse(out) as SimReport };
    },

    /** `skyhook ledger`: exit 0 when every queue balances. */
    ledger: () => cli(["ledger", "--json", "--settle", "5"]),

    /**
     * What the handlers did, read from their projection and the notice receiver, for a run of
     * `events` events (whole rounds of the simulator's event mix).
     */
    async effects(events: number): Promise<Effects> {
      const pairs = routingPairs();
      const roundSize = pairs.reduce((n, p) => n + (isVersioned(p.eventType) ? versions : 1), 0);
      if (events % roundSize !== 0)
        throw new Error(`${events} is not whole rounds of ${roundSize}`);
      const rounds = events / roundSize;
      const connection = connectRedis();
      try {
        const keys = await connection.keys(projectionKeyOf(prefix, "*"));
        const records = keys.length === 0 ? [] : await connection.mget(...keys);
        const behind = records.filter(
          (raw) => raw === null || (JSON.parse(raw) as { version?: number }).version !== versions,
        ).length;
        const byKey = new Map<string, Set<string>>();
        const notified = new Set<string>();
        for (const notice of downstream.received) {
          const key = String(notice.headers["idempotency-key"]);
          const bodies = byKey.get(key) ?? new Set<string>();
          bodies.add(JSON.stringify(notice.body));
          byKey.set(key, bodies);
          notified.add(String((notice.body as { pnrId?: unknown }).pnrId));
        }
        return {
          projected: keys.length,
          expectedProjected: rounds * 2,
          behind,
          notifiedPnrs: notified.size,
          expectedNotifiedPnrs: rounds,
          repeatedNotices: downstream.received.length - byKey.size,
          conflictingNotices: [...byKey.values()].filter((bodies) => bodies.size > 1).length,
        };
      } finally {
        connection.disconnect();
      }
    },

    async close() {
      for (const app of apps.reverse()) await app.stop("SIGKILL");
      await downstream.close();
      await own?.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type FaultRig = Awaited<ReturnType<typeof startFaultRig>>;
