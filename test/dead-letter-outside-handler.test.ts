import { DeadLetterJob, defaultCatalog, queueNamesFor } from "@skyhook/contracts";
import { createOperatorContext, deadLetterJobId, keyNames, readLedger } from "@skyhook/queue-kit";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { afterAll, describe, expect, it } from "vitest";
import { devClient, startIngress, startWorker, testLogger } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const prefix = uniquePrefix("dl-outside");
const redis = connect();
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
const closers: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe("a job that fails for good outside its handler", () => {
  it("is dead-lettered with the error, and the ledger still balances", async () => {
    // The entity's newest-position mark is unreadable: the processor fails before the
    // handler runs, on its only attempt, where no handler error path can dead-letter it.
    await redis.set(keyNames(prefix).entityNewest("pnr:PNR-BROKEN-MARK"), "not json");
    const ingress = await startIngress({ QUEUE_PREFIX: prefix, RETRY_ATTEMPTS: "1" });
    const worker = startWorker({ QUEUE_PREFIX: prefix });
    closers.push(
      () => ingress.close(),
      () => worker.close(),
    );
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const response = await client.deliver(
      envelope("BOOKING_CREATED", pnrPayload({ pnrId: "PNR-BROKEN-MARK" })),
    );
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);

    const operator = await createOperatorContext({
      redis,
      prefix,
      catalog: defaultCatalog,
      settings: { dedupTtlSec: 3600 },
      logger: testLogger([]),
    });
    closers.push(() => operator.close());
    const letter = await waitFor("the dead letter", async () => {
      const job = await operator.queues.get(created.deadLetter).getJob(deadLetterJobId(jobId));
      return job === undefined ? undefined : DeadLetterJob.parse(job.data);
    });
    expect(letter.failure.reason).toBe("retries-exhausted");
    expect(letter.failure.error).toMatch(/SyntaxError/);
    const ledger = await readLedger(
      redis,
      operator.keys,
      operator.queues,
      await operator.queueNames(),
    );
    expect(ledger.queues.find((q) => q.queue === created.queue)).toMatchObject({
      expected: 1,
      deadLettered: 1,
      difference: 0,
    });
  });
});
