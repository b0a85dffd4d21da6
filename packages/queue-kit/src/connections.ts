import { Redis } from "ioredis";

/**
 * For code on a request path (the ingress): commands fail at once while Redis is away instead
 * of queueing in memory, so a request is answered 503 quickly and Spotnana retries later.
 */
export function createProducerConnection(
  url: string,
  options: { commandTimeoutMs: number },
): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: options.commandTimeoutMs,
  });
}

/**
 * For BullMQ workers: BullMQ requires `maxRetriesPerRequest: null` so blocking reads wait out a
 * Redis outage rather than throwing; the default retry strategy reconnects for ever.
 */
export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Resolves false instead of hanging when Redis does not answer within `timeoutMs`. */
export async function pingRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((reply) => reply === "PONG"), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
