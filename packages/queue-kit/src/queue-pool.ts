import { Queue } from "bullmq";
import type { Logger } from "pino";
import type { RedisClient } from "./connections.ts";

export type QueuePool = {
  /** The one Queue object for `name` in this process, created on first use. */
  get(name: string): Queue;
  close(): Promise<void>;
};

/**
 * Every Queue a process uses, created once each over one connection. An `observer` (the
 * dashboard, the CLI) must not rewrite a queue's meta hash with its own defaults: the
 * producers and workers own it.
 */
export function createQueuePool(options: {
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  observer?: boolean;
}): QueuePool {
  const queues = new Map<string, Queue>();
  return {
    get(name) {
      let queue = queues.get(name);
      if (queue === undefined) {
        queue = new Queue(name, {
          connection: options.connection,
          prefix: options.prefix,
          skipMetasUpdate: options.observer === true,
        });
        queue.on("error", (err) =>
          options.logger.warn({ err, queue: name }, "queue connection error"),
        );
        queues.set(name, queue);
      }
      return queue;
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
