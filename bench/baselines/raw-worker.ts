// Baseline: a raw BullMQ Worker with a no-op processor, on the same queue name, prefix layout
// and concurrency as the Skyhook worker it is compared with.
import { Worker } from "bullmq";
import { Redis } from "ioredis";

const connection = new Redis(process.env.REDIS_URL ?? "", { maxRetriesPerRequest: null });
const worker = new Worker(process.env.RAW_QUEUE ?? "", async () => undefined, {
  connection,
  prefix: process.env.QUEUE_PREFIX ?? "bull",
  concurrency: Number(process.env.WORKER_CONCURRENCY),
});
worker.on("error", (err) => process.stdout.write(`worker error: ${err.message}\n`));
await worker.waitUntilReady();
process.stdout.write("raw worker ready\n");
process.on("SIGTERM", () => {
  void worker.close().then(() => process.exit(0));
});
