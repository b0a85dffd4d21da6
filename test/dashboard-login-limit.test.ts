import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basicAuth,
  basicHeader,
  operator,
  type RunningDashboard,
  requestFrom,
  startDashboard,
} from "./support/dashboard.ts";
import { freePort } from "./support/processes.ts";
import { connect, uniquePrefix } from "./support/redis.ts";

const attacker = "127.0.0.1";
const colleague = "127.0.0.2";
const wrong = basicHeader({ name: operator.name, password: "not-the-password" });
const right = basicHeader(operator);

/** `count` requests from `from`, `concurrency` at a time, as a guessing script sends them. */
async function burst(url: string, from: string, count: number, concurrency: number) {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - sent) }, () =>
      requestFrom(from, url, { headers: wrong }),
    );
    statuses.push(...(await Promise.all(batch)).map((res) => res.status));
  }
  return statuses;
}

describe("failed dashboard logins are limited per client address (real Redis, real HTTP)", () => {
  let redis: Redis;
  const running: RunningDashboard[] = [];
  const start = async (perAddress: number, windowSec: number, prefix?: string) => {
    const board = await startDashboard(redis, {
      auth: basicAuth([operator], { perAddress, windowSec }),
      ...(prefix === undefined ? {} : { prefix }),
    });
    running.push(board);
    return board;
  };

  beforeAll(() => {
    redis = connect();
  });

  afterAll(async () => {
    for (const board of running) await board.stop();
    redis.disconnect();
  });

  it("after 300 wrong passwords refuses the right one from that address unjudged (429), while another address gets in", async () => {
    const board = await start(10, 600);
    const url = `${board.url}/api/queues`;
    const statuses = await burst(url, attacker, 300, 30);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(290);

    const same = await requestFrom(attacker, url, { headers: right });
    expect(same.status).toBe(429);
    const retryAfter = Number(same.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(JSON.parse(same.body)).toMatchObject({ error: { code: "too_many_failed_logins" } });
    expect(same.headers["www-authenticate"]).toBeUndefined();

    const other = await requestFrom(colleague, url, { headers: right });
    expect(other.status).toBe(200);
  });

  it("judges the right password again once the window has passed", async () => {
    const board = await start(3, 1);
    const url = `${board.url}/ops/api/ledger`;
    await burst(url, attacker, 4, 1);
    expect((await requestFrom(attacker, url, { headers: right })).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await requestFrom(attacker, url, { headers: right })).status).toBe(200);
  });

  it("shares one count between replicas, through Redis", async () => {
    const prefix = uniquePrefix("dash-replicas");
    const [a, b] = [await start(5, 600, prefix), await start(5, 600, prefix)];
    await burst(`${a.url}/api/queues`, attacker, 5, 1);
    expect((await requestFrom(attacker, `${b.url}/api/queues`, { headers: right })).status).toBe(
      429,
    );
  });

  it("behind a trusted proxy counts the client it names (X-Forwarded-For), not the proxy", async () => {
    const board = await startDashboard(redis, {
      auth: basicAuth([operator], { perAddress: 3, windowSec: 600 }),
      trustProxy: "loopback",
    });
    running.push(board);
    const from = (client: string, headers: Record<string, string>) =>
      requestFrom(attacker, `${board.url}/api/queues`, {
        headers: { ...headers, "x-forwarded-for": client },
      });
    for (let i = 0; i < 3; i++) await from("198.51.100.7", wrong);
    expect((await from("198.51.100.7", right)).status).toBe(429);
    expect((await from("203.0.113.9", right)).status).toBe(200);
  });

  it("keeps judging logins when Redis does not answer: authentication never waits on the count", async () => {
    const unreachable = new Redis({
      port: await freePort(),
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    unreachable.on("error", () => undefined);
    const board = await startDashboard(unreachable, {
      auth: basicAuth([operator], { perAddress: 1, windowSec: 60 }),
    });
    try {
      const started = Date.now();
      expect((await requestFrom(attacker, `${board.url}/ops/`, { headers: wrong })).status).toBe(
        401,
      );
      expect((await requestFrom(attacker, `${board.url}/ops/`, { headers: right })).status).toBe(
        200,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      // Its queues would wait for this Redis to close: only the server is stopped.
      await board.closeServer();
      unreachable.disconnect();
    }
  });
});
