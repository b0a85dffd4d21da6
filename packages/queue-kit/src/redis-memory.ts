import { Cluster } from "ioredis";
import type { RedisClient } from "./connections.ts";

/** One master's memory, from `INFO memory`. `maxBytes` 0: Redis has no `maxmemory`. */
export type MemoryReading = { node: string; usedBytes: number; maxBytes: number };

const field = (info: string, name: string): number => {
  const match = new RegExp(`^${name}:(\\d+)\\r?$`, "m").exec(info);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
};

/** `used_memory` and `maxmemory` out of an `INFO memory` answer; undefined if either is missing. */
export function parseMemoryInfo(info: string): Omit<MemoryReading, "node"> | undefined {
  const usedBytes = field(info, "used_memory");
  const maxBytes = field(info, "maxmemory");
  return Number.isFinite(usedBytes) && Number.isFinite(maxBytes)
    ? { usedBytes, maxBytes }
    : undefined;
}

/**
 * The memory of every server that takes writes: each master of a Cluster (each holds its own
 * slots and fills on its own), else the one server (under Sentinel, the primary the client
 * follows). A master that does not answer rejects the whole reading: a partial one could say
 * "room enough" about the master that is full.
 */
export async function readRedisMemory(redis: RedisClient): Promise<MemoryReading[]> {
  const masters = redis instanceof Cluster ? redis.nodes("master") : [redis];
  return Promise.all(
    masters.map(async (node) => {
      const name = `${node.options.host ?? "?"}:${node.options.port ?? "?"}`;
      const reading = parseMemoryInfo(await node.info("memory"));
      if (reading === undefined) throw new Error(`INFO memory of ${name} has no used_memory`);
      return { node: name, ...reading };
    }),
  );
}
