import { Cluster, Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisClient, describeTarget, type RedisClient } from "./connections.ts";

const opened: RedisClient[] = [];
afterEach(() => {
  for (const client of opened.splice(0)) client.disconnect();
});
const client = (...args: Parameters<typeof createRedisClient>) => {
  const made = createRedisClient(args[0], { lazyConnect: true, ...args[1] });
  opened.push(made);
  return made;
};

describe("createRedisClient", () => {
  it("connects to the URL's server, with its credentials, TLS and database", () => {
    const made = client({ url: "rediss://skyhook:p%40ss@redis.internal:6380/2" });
    expect(made).toBeInstanceOf(Redis);
    expect((made as Redis).options).toMatchObject({
      host: "redis.internal",
      port: 6380,
      username: "skyhook",
      password: "p@ss",
      db: 2,
      tls: expect.anything(),
    });
  });

  it("makes a Cluster client from the nodes, each node connection with the URL's credentials and TLS", () => {
    const made = client(
      {
        url: "rediss://:secret@ignored:6379",
        clusterNodes: [{ host: "10.0.0.1", port: 7000 }],
      },
      { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
    );
    expect(made).toBeInstanceOf(Cluster);
    const options = (made as Cluster).options;
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.lazyConnect).toBe(true);
    expect(options.redisOptions).toMatchObject({
      password: "secret",
      maxRetriesPerRequest: 1,
      tls: expect.anything(),
    });
  });

  it("asks the sentinels for the named primary, with the password for both", () => {
    const made = client({
      url: "redis://:secret@ignored:6379",
      sentinels: [{ host: "s1", port: 26379 }],
      sentinelName: "skyhook",
    });
    expect((made as Redis).options).toMatchObject({
      sentinels: [{ host: "s1", port: 26379 }],
      name: "skyhook",
      password: "secret",
      sentinelPassword: "secret",
    });
  });
});

describe("describeTarget", () => {
  it("names the host, never the password", () => {
    expect(describeTarget({ url: "redis://:secret@redis:6379" })).toBe("redis:6379");
    expect(
      describeTarget({ url: "redis://:secret@x", clusterNodes: [{ host: "n1", port: 7000 }] }),
    ).toBe("cluster n1:7000");
    expect(
      describeTarget({
        url: "redis://x",
        sentinels: [{ host: "s1", port: 26379 }],
        sentinelName: "skyhook",
      }),
    ).toBe("sentinel skyhook s1:26379");
  });
});
