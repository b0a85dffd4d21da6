import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export type QueuePool = { get(name: string): Queue; close(): Promise<void> };

/** The side queues a worker writes to (dead letters, stale events), created once each. */
export function createQueuePool(connection: Redis, prefix: string, logger: Logger): QueuePool {
  const queues = new Map<string, Queue>();
  return {
    get(name) {
      let queue = queues.get(name);
      if (queue === undefined) {
        queue = new Queue(name, { connection, prefix });
        queue.on("error", (err) => logger.warn({ err, queue: name }, "queue connection error"));
        queues.set(name, queue);
      }
      return queue;
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
