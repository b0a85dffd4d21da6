import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { eventBody, eventId } from "./bodies.ts";
import { type CpuPerEvent, countCpu } from "./cpu.ts";
import { hmacHeaders } from "./http-sender.ts";
import { type RssMaxima, sampleRss } from "./rss.ts";
import { bookingQueue, type HttpTarget, type Rig } from "./targets.ts";
import { type RawRequest, runWrk, type WrkResult, writePool } from "./wrk.ts";

export const ingressModes = ["bare", "naive", "hmac", "duplicate", "unjournaled", "oauth"] as const;
export type IngressMode = (typeof ingressModes)[number];

export const modeLabels: Record<IngressMode, string> = {
  bare: "bare Express 200",
  naive: "naive ingress (Express + jsonwebtoken + queue.add)",
  hmac: "Skyhook ingress, HMAC, distinct events",
  duplicate: "Skyhook ingress, HMAC, duplicate path (re-sent events)",
  unjournaled: "Skyhook ingress, HMAC, distinct events, journal off (JOURNAL=off)",
  oauth: "Skyhook ingress, OAuth, distinct events",
};

/** Which process each mode loads, as the RSS table names it (the duplicate path is the HMAC one's). */
export const rssLabels = {
  bare: "bare Express (wrk)",
  naive: "naive ingress (wrk)",
  hmac: "Skyhook ingress, HMAC (wrk)",
  unjournaled: "Skyhook ingress, HMAC, journal off (wrk)",
  oauth: "Skyhook ingress, OAuth (wrk)",
} as const;

const connections = 50;
/** Baselines without dedup cycle through this many requests; repeats cost them nothing extra. */
const cyclePoolSize = 2_000;
/** First guess of a Skyhook ingress's rate, for sizing its pool of never-repeated requests. */
const firstRateGuess = 4_000;
/**
 * A pool holds this many times the highest rate seen so far × the duration: the warm-up's
 * rate (cold code) was seen at less than half of a warm round's.
 */
const poolMargin = 3;

const b3 = () => ({
  "x-b3-traceid": randomBytes(16).toString("hex"),
  "x-b3-spanid": randomBytes(8).toString("hex"),
});

function* bearerRequests(tag: string, count: number, token: string): Generator<RawRequest> {
  for (let i = 0; i < count; i++) {
    yield {
      path: "/webhooks/spotnana",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...b3() },
      body: eventBody(eventId(tag, i)),
    };
  }
}

/** Signed now: the pool is written just before its run, well inside the 300 s window. */
function* hmacRequests(tag: string, count: number, secret: string): Generator<RawRequest> {
  for (let i = 0; i < count; i++) {
    const id = eventId(tag, i);
    const body = eventBody(id);
    yield {
      path: "/webhooks/spotnana/spotnana",
      headers: { "content-type": "application/json", ...hmacHeaders(secret, `msg_${id}`, body) },
      body,
    };
  }
}

const waitingKey = `skyhook:${bookingQueue}:wait`;

export type IngressRun = WrkResult & {
  mode: IngressMode;
  stored?: number;
  /** CPU per request answered 200: the server's, and its Redis's where it has one. */
  cpu: CpuPerEvent;
};

const answered = (result: WrkResult) => result.requests - result.non2xx;

/**
 * Measures the ingress modes with wrk, 50 connections, one mode after the other. Skyhook's
 * distinct-event modes send each request at most once (a pool that would run out is rerun
 * larger), and afterwards the queue must have grown by at least the 200s wrk counted: a
 * duplicate answered 200 stores nothing and would show as a shortfall.
 */
export function createIngressBench(rig: Rig, dir: string) {
  const guesses = new Map<IngressMode, number>();
  let runs = 0;
  /** The last HMAC run's ids and how many of them were answered: the duplicate path re-sends those. */
  let lastHmac: { tag: string; answered: number; failed: number } | undefined;

  /** What one distinct-event or baseline mode loads and how its requests are built. */
  type Plan = {
    target: HttpTarget;
    build: (tag: string, count: number) => Iterable<RawRequest>;
    pool: "once" | "cycle";
    /** The target's Redis, for its CPU. */
    redisPid?: number;
    /** Where the accepted events must show up (Skyhook's modes). */
    storedIn?: Redis;
  };
  const plans: Record<keyof typeof rssLabels, Plan> = {
    bare: {
      target: rig.bare,
      build: (t, n) => bearerRequests(t, n, rig.naive.token),
      pool: "cycle",
    },
    naive: {
      target: rig.naive,
      build: (t, n) => bearerRequests(t, n, rig.naive.token),
      pool: "cycle",
      redisPid: rig.naive.redisPid,
    },
    hmac: {
      target: rig.hmac,
      build: (t, n) => hmacRequests(t, n, rig.hmac.secret),
      pool: "once",
      redisPid: rig.hmac.redisPid,
      storedIn: rig.hmac.redis,
    },
    unjournaled: {
      target: rig.unjournaled,
      build: (t, n) => hmacRequests(t, n, rig.unjournaled.secret),
      pool: "once",
      redisPid: rig.unjournaled.redisPid,
      storedIn: rig.unjournaled.redis,
    },
    oauth: {
      target: rig.oauth,
      build: (t, n) => bearerRequests(t, n, rig.oauth.token),
      pool: "once",
      redisPid: rig.oauth.redisPid,
      storedIn: rig.oauth.redis,
    },
  };

  async function measure(
    mode: keyof typeof rssLabels,
    seconds: number,
    rss: RssMaxima,
  ): Promise<IngressRun> {
    const { target, build, pool, redisPid, storedIn } = plans[mode];
    let count =
      pool === "cycle"
        ? cyclePoolSize
        : Math.ceil((guesses.get(mode) ?? firstRateGuess) * seconds * poolMargin) + 500;
    for (;;) {
      const tag = `${mode.slice(0, 2)}${(runs++).toString(36)}${randomBytes(2).toString("hex")}`;
      const file = join(dir, `${mode}.pool`);
      await writePool(file, target.hostPort, build(tag, count));
      const before = storedIn === undefined ? 0 : await storedIn.llen(waitingKey);
      const stopRss = sampleRss(rss, { [rssLabels[mode]]: target.proc.pid });
      const cpu = countCpu({
        server: target.proc.pid,
        ...(redisPid === undefined ? {} : { redis: redisPid }),
      });
      const result = await runWrk({
        url: target.url,
        pool: file,
        mode: pool,
        connections,
        seconds,
      });
      const cpuPerOk = cpu(answered(result));
      stopRss();
      if (result.exhausted > 0) {
        // wrk stopped when the pool ran out, so its rate up to then is a fair guess.
        count = Math.max(count * 2, Math.ceil(result.requestsPerSec * seconds * poolMargin));
        continue;
      }
      guesses.set(mode, Math.max(guesses.get(mode) ?? 0, result.requestsPerSec));
      const run: IngressRun = { ...result, mode, cpu: cpuPerOk };
      if (mode === "hmac")
        lastHmac = { tag, answered: result.requests - result.non2xx, failed: result.non2xx };
      if (storedIn !== undefined) {
        run.stored = (await storedIn.llen(waitingKey)) - before;
        if (run.stored < answered(result))
          throw new Error(
            `${modeLabels[mode]}: ${answered(result)} answered 200 but only ${run.stored} stored: ` +
              "the run hit the duplicate path",
          );
      }
      return run;
    }
  }

  return {
    /** One wrk run of `mode`; the RSS of the process it loads goes into `rss`. */
    async run(mode: IngressMode, seconds: number, rss: RssMaxima): Promise<IngressRun> {
      switch (mode) {
        case "bare":
        case "naive":
        case "hmac":
        case "unjournaled":
        case "oauth":
          return measure(mode, seconds, rss);
        case "duplicate": {
          // The deliveries the last HMAC run had answered, signed again: same ids, same bodies.
          const previous = lastHmac;
          if (previous === undefined) throw new Error("the duplicate path needs an HMAC run first");
          const file = join(dir, "duplicate.pool");
          await writePool(
            file,
            rig.hmac.hostPort,
            hmacRequests(previous.tag, previous.answered, rig.hmac.secret),
          );
          const before = await rig.hmac.redis.llen(waitingKey);
          const stopRss = sampleRss(rss, { [rssLabels.hmac]: rig.hmac.proc.pid });
          const cpu = countCpu({ server: rig.hmac.proc.pid, redis: rig.hmac.redisPid });
          const result = await runWrk({
            url: rig.hmac.url,
            pool: file,
            mode: "cycle",
            connections,
            seconds,
          });
          const cpuPerOk = cpu(answered(result));
          stopRss();
          const stored = (await rig.hmac.redis.llen(waitingKey)) - before;
          // Only a delivery the HMAC run saw refused (and wrk's last requests in flight) may be new.
          if (stored > previous.failed + connections)
            throw new Error(`the duplicate path stored ${stored} events: they were not duplicates`);
          return { ...result, mode, stored, cpu: cpuPerOk };
        }
      }
    },
  };
}
