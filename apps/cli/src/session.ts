import { defaultCatalog } from "@skyhook/contracts";
import {
  createOperatorContext,
  createRedisClient,
  describeTarget,
  type OperatorSession,
  type RedisClient,
  type RedisTarget,
} from "@skyhook/queue-kit";
import { createLogger } from "@skyhook/service-kit";
import type { CliConfig } from "./config.ts";
import { CliExit } from "./io.ts";

/**
 * A connection for one command: it waits for Redis a few seconds at most, then the command
 * ends with a message naming the URL's host, never a hang or a stack trace.
 */
async function connect(target: RedisTarget): Promise<RedisClient> {
  const redis = createRedisClient(target, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new CliExit(
      2,
      `Redis at ${describeTarget(target)} does not answer (${err instanceof Error ? err.message : String(err)}). Set REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS).`,
    );
  }
}

export async function withOperator<T>(
  config: CliConfig,
  work: (operator: OperatorSession, redis: RedisClient) => Promise<T>,
): Promise<T> {
  const redis = await connect(config.redis);
  // Operator actions are audited; their log lines go to stderr so --json output stays clean.
  const logger = createLogger({
    name: "skyhook-cli",
    level: config.logLevel === "info" ? "warn" : config.logLevel,
    redactFields: config.redactFields,
    destination: process.stderr,
  });
  const operator = await createOperatorContext({
    redis,
    prefix: config.queuePrefix,
    catalog: defaultCatalog,
    settings: config.jobs,
    logger,
    journal: config.journal,
  });
  try {
    return await work(operator, redis);
  } finally {
    await operator.close();
    redis.disconnect();
  }
}
