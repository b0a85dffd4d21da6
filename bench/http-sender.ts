import { Agent, request } from "node:http";
import { runClosedModel, signedHeaders, traceHeaders } from "@skyhook/spotnana-sender";

export type Answer = { status: number; jobId?: string };

/**
 * A keep-alive HTTP client for the open-model and fill loads: node:http rather than fetch, so
 * that the sender's own cost on this two-core machine stays small.
 */
export function createSender(baseUrl: string, maxSockets = 256) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const post = (path: string, headers: Record<string, string>, body: string) =>
    new Promise<Answer>((resolve) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: "POST",
          path,
          headers: {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const answer: Answer = { status: res.statusCode ?? 0 };
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
                jobId?: unknown;
              };
              if (typeof parsed.jobId === "string") answer.jobId = parsed.jobId;
            } catch {
              // Not JSON: the status alone tells the outcome.
            }
            resolve(answer);
          });
          res.on("error", () => resolve({ status: 0 }));
        },
      );
      req.on("error", () => resolve({ status: 0 }));
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

export type Sender = ReturnType<typeof createSender>;

/** Spotnana's HMAC headers for one attempt, signed now, with the B3 ids Spotnana adds. */
export const hmacHeaders = (secret: string, id: string, body: string): Record<string, string> => ({
  ...signedHeaders(secret, body, { id }),
  ...traceHeaders(),
});

/** Sends every item once, `concurrency` at a time (closed model); resolves with the answers' statuses. */
export async function sendClosed<T>(
  items: readonly T[],
  concurrency: number,
  send: (item: T) => Promise<Answer>,
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const pending = items[Symbol.iterator]();
  await runClosedModel(concurrency, () => {
    const item = pending.next();
    if (item.done === true) return undefined;
    return send(item.value).then(({ status }) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
  });
  return statuses;
}
