import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

/** A connection to whichever Redis topology the deployment runs: one server, Sentinel or Cluster. */
export type RedisClient = Redis | Cluster;

export type RedisNode = { host: string; port: number };

/**
 * Where Redis is. `url` always carries the credentials, TLS (`rediss://`) and, for one server
 * or Sentinel, the database; with `clusterNodes` or `sentinels` its host is not used.
 */
export type RedisTarget = {
  url: string;
  clusterNodes?: readonly RedisNode[] | undefined;
  sentinels?: readonly RedisNode[] | undefined;
  sentinelName?: string | undefined;
};

/** Credentials, TLS and database from a `redis://` or `rediss://` URL, as ioredis options. */
function optionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {};
  if (parsed.username !== "") options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== "") options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === "rediss:") options.tls = { servername: parsed.hostname };
  const db = Number(parsed.pathname.slice(1));
  if (Number.isInteger(db) && db > 0) options.db = db;
  return options;
}

/**
 * One client for `target`, with `options` applied to every server connection. On a Cluster,
 * `enableOfflineQueue`, `lazyConnect` and the retry strategy also apply to the cluster client,
 * which keeps its own offline queue and reconnects on its own.
 */
export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  const fromUrl = optionsFromUrl(target.url);
  if (target.clusterNodes !== undefined && target.clusterNodes.length > 0) {
    const { enableOfflineQueue, lazyConnect, retryStrategy } = options;
    const clusterOptions: ClusterOptions = { redisOptions: { ...fromUrl, ...options } };
    if (enableOfflineQueue !== undefined) clusterOptions.enableOfflineQueue = enableOfflineQueue;
    if (lazyConnect !== undefined) clusterOptions.lazyConnect = lazyConnect;
    if (retryStrategy !== undefined) clusterOptions.clusterRetryStrategy = retryStrategy;
    return new Cluster([...target.clusterNodes], clusterOptions);
  }
  if (target.sentinels !== undefined && target.sentinels.length > 0) {
    return new Redis({
      ...fromUrl,
      ...options,
      sentinels: [...target.sentinels],
      name: target.sentinelName ?? "mymaster",
      // Sentinels usually share the data nodes' password; TLS alike.
      ...(fromUrl.password === undefined ? {} : { sentinelPassword: fromUrl.password }),
      ...(fromUrl.tls === undefined ? {} : { enableTLSForSentinelMode: true }),
    });
  }
  return new Redis(target.url, options);
}

/**
 * For code on a request path (the ingress): commands fail at once while Redis is away instead
 * of queueing in memory, so a request is answered 503 quickly and Spotnana retries later.
 */
export function createProducerConnection(
  target: RedisTarget,
  options: { commandTimeoutMs: number },
): RedisClient {
  return createRedisClient(target, {
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
export function createWorkerConnection(target: RedisTarget): RedisClient {
  return createRedisClient(target, { maxRetriesPerRequest: null });
}

/** The address an operator recognises in a message: the URL's host, or the first node. */
export function describeTarget(target: RedisTarget): string {
  const first = target.clusterNodes?.[0] ?? target.sentinels?.[0];
  if (first !== undefined) {
    const kind = target.clusterNodes !== undefined ? "cluster" : `sentinel ${target.sentinelName}`;
    return `${kind} ${first.host}:${first.port}`;
  }
  const { hostname, port } = new URL(target.url);
  return `${hostname}:${port || 6379}`;
}

/** Resolves false instead of hanging when Redis does not answer within `timeoutMs`. */
export async function pingRedis(redis: RedisClient, timeoutMs: number): Promise<boolean> {
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
