import { randomBytes } from "node:crypto";
import { queueNamesFor } from "@skyhook/contracts";
import { createSendingNode, newSigningSecret } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import jwt from "jsonwebtoken";
import {
  answers200,
  type BenchProcess,
  freePort,
  spawnScript,
  waitUntilReady,
} from "./processes.ts";
import { type RedisServer, startRedisServer } from "./redis-server.ts";

/** An HTTP server under test: its process, base URL and the `host:port` wrk's requests name. */
export type HttpTarget = { proc: BenchProcess; url: string; hostPort: string };

/** The queue BOOKING_CREATED events go to, in Skyhook's naming. */
export const bookingQueue = queueNamesFor("PNR_V3", "BOOKING_CREATED").queue;

const ingressEntry = "apps/ingress/src/main.ts";
const workerEntry = "apps/worker/src/main.ts";
const baselines = "bench/baselines";
const naiveClaims = { issuer: "naive-bench", audience: "naive-webhooks" };

export type Rig = {
  bare: HttpTarget;
  naive: HttpTarget & { token: string; redisPid: number };
  /** Skyhook's ingress with one HMAC subscription, alone on its Redis (no worker). */
  hmac: HttpTarget & { secret: string; redis: Redis; redisPid: number };
  /** The same with the journal switched off (`JOURNAL=off`): what the journal costs. */
  unjournaled: HttpTarget & { secret: string; redis: Redis; redisPid: number };
  /** Skyhook's ingress with one OAuth client, alone on its Redis (no worker). */
  oauth: HttpTarget & { token: string; redis: Redis; redisPid: number };
  /**
   * One Redis holding two copies of the pipeline: Skyhook's ingress and worker under prefix
   * `skyhook`, and a second Skyhook ingress under prefix `raw` whose jobs a raw BullMQ worker
   * consumes. Both ingresses get the same events, so both workers drain identical jobs.
   */
  drain: {
    redis: Redis;
    redisPid: number;
    secret: string;
    skyhook: HttpTarget & { prefix: string; queue: Queue };
    raw: HttpTarget & { prefix: string; queue: Queue };
    worker: BenchProcess;
    rawWorker: BenchProcess;
  };
  all: BenchProcess[];
  stop(): Promise<void>;
};

async function httpTarget(
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
  readyPath: string,
): Promise<HttpTarget & { ready: Promise<void> }> {
  const port = await freePort();
  const proc = spawnScript(name, entry, { PORT: String(port), HOST: "127.0.0.1", ...env }, logDir);
  const url = `http://127.0.0.1:${port}`;
  return {
    proc,
    url,
    hostPort: `127.0.0.1:${port}`,
    ready: waitUntilReady(proc, () => answers200(`${url}${readyPath}`)),
  };
}

/** Environment every Skyhook process of the benchmark shares: production mode, default tuning. */
async function skyhookEnv(redisUrl: string, prefix: string): Promise<Record<string, string>> {
  return {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    OPS_PORT: String(await freePort()),
    OPS_HOST: "127.0.0.1",
  };
}

/** An ingress's environment: the shared part plus its own token-signing key. */
async function ingressEnv(redisUrl: string, prefix: string): Promise<Record<string, string>> {
  return {
    ...(await skyhookEnv(redisUrl, prefix)),
    TOKEN_SIGNING_KEY: randomBytes(32).toString("base64"),
  };
}

/** Starts every process and Redis the benchmark measures, all at once, and waits for them. */
export async function startRig(logDir: string, concurrency: number): Promise<Rig> {
  const redises: RedisServer[] = [];
  const clients: Redis[] = [];
  const queues: Queue[] = [];
  const procs: BenchProcess[] = [];
  const stop = async () => {
    await Promise.all(queues.map((q) => q.close()));
    for (const c of clients) c.disconnect();
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(redises.map((r) => r.stop()));
  };
  try {
    const redis = async (name: string) => {
      const r = await startRedisServer(name, logDir);
      redises.push(r);
      return r;
    };
    const client = (url: string) => {
      const c = new Redis(url, { maxRetriesPerRequest: null });
      clients.push(c);
      return c;
    };
    const [naiveRedis, hmacRedis, unjournaledRedis, oauthRedis, drainRedis] = await Promise.all([
      redis("redis-naive"),
      redis("redis-hmac"),
      redis("redis-unjournaled"),
      redis("redis-oauth"),
      redis("redis-drain"),
    ]);
    const naiveKey = randomBytes(32);
    const hmacSecret = newSigningSecret();
    const drainSecret = newSigningSecret();
    const oauthClient = { clientId: "bench-client", clientSecret: randomBytes(24).toString("hex") };

    const bare = await httpTarget(
      "bare-express",
      `${baselines}/bare-express.ts`,
      {},
      logDir,
      "/healthz",
    );
    const naive = await httpTarget(
      "naive-ingress",
      `${baselines}/naive-ingress.ts`,
      { REDIS_URL: naiveRedis.url, NAIVE_TOKEN_KEY: naiveKey.toString("base64") },
      logDir,
      "/healthz",
    );
    const hmac = await httpTarget(
      "skyhook-ingress-hmac",
      ingressEntry,
      { ...(await ingressEnv(hmacRedis.url, "skyhook")), SPOTNANA_SIGNING_SECRETS: hmacSecret },
      logDir,
      "/readyz",
    );
    const unjournaled = await httpTarget(
      "skyhook-ingress-hmac-unjournaled",
      ingressEntry,
      {
        ...(await ingressEnv(unjournaledRedis.url, "skyhook")),
        SPOTNANA_SIGNING_SECRETS: hmacSecret,
        JOURNAL: "off",
      },
      logDir,
      "/readyz",
    );
    const oauth = await httpTarget(
      "skyhook-ingress-oauth",
      ingressEntry,
      {
        ...(await ingressEnv(oauthRedis.url, "skyhook")),
        SPOTNANA_CLIENT_ID: oauthClient.clientId,
        SPOTNANA_CLIENT_SECRET: oauthClient.clientSecret,
      },
      logDir,
      "/readyz",
    );
    const drainIngress = await httpTarget(
      "skyhook-ingress-drain",
      ingressEntry,
      { ...(await ingressEnv(drainRedis.url, "skyhook")), SPOTNANA_SIGNING_SECRETS: drainSecret },
      logDir,
      "/readyz",
    );
    const rawIngress = await httpTarget(
      "skyhook-ingress-raw",
      ingressEntry,
      { ...(await ingressEnv(drainRedis.url, "raw")), SPOTNANA_SIGNING_SECRETS: drainSecret },
      logDir,
      "/readyz",
    );
    const workerEnv = await skyhookEnv(drainRedis.url, "skyhook");
    const worker = spawnScript(
      "skyhook-worker",
      workerEntry,
      {
        ...workerEnv,
        WORKER_OPERATIONS: "PNR_V3/BOOKING_CREATED",
        WORKER_CONCURRENCY: String(concurrency),
      },
      logDir,
    );
    const rawWorker = spawnScript(
      "raw-worker",
      `${baselines}/raw-worker.ts`,
      {
        REDIS_URL: drainRedis.url,
        QUEUE_PREFIX: "raw",
        RAW_QUEUE: bookingQueue,
        WORKER_CONCURRENCY: String(concurrency),
      },
      logDir,
    );
    const targets = [bare, naive, hmac, unjournaled, oauth, drainIngress, rawIngress];
    procs.push(...targets.map((t) => t.proc), worker, rawWorker);
    await Promise.all([
      ...targets.map((t) => t.ready),
      waitUntilReady(worker, () => answers200(`http://127.0.0.1:${workerEnv.OPS_PORT}/readyz`)),
      waitUntilReady(rawWorker, async () => rawWorker.output().includes("raw worker ready")),
    ]);

    const drainConnection = client(drainRedis.url);
    const queue = (prefix: string) => {
      const q = new Queue(bookingQueue, { connection: drainConnection, prefix });
      queues.push(q);
      return q;
    };
    const naiveToken = jwt.sign({ sub: "spotnana" }, naiveKey, {
      algorithm: "HS256",
      expiresIn: 3_600,
      ...naiveClaims,
    });
    const oauthToken = await createSendingNode({
      url: oauth.url,
      auth: { mode: "oauth", ...oauthClient },
    }).fetchToken();
    return {
      bare,
      naive: { ...naive, token: naiveToken, redisPid: naiveRedis.pid },
      hmac: {
        ...hmac,
        secret: hmacSecret,
        redis: client(hmacRedis.url),
        redisPid: hmacRedis.pid,
      },
      unjournaled: {
        ...unjournaled,
        secret: hmacSecret,
        redis: client(unjournaledRedis.url),
        redisPid: unjournaledRedis.pid,
      },
      oauth: {
        ...oauth,
        token: oauthToken,
        redis: client(oauthRedis.url),
        redisPid: oauthRedis.pid,
      },
      drain: {
        redis: drainConnection,
        redisPid: drainRedis.pid,
        secret: drainSecret,
        skyhook: { ...drainIngress, prefix: "skyhook", queue: queue("skyhook") },
        raw: { ...rawIngress, prefix: "raw", queue: queue("raw") },
        worker,
        rawWorker,
      },
      all: procs,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
