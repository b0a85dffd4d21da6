import { createHash } from "node:crypto";

/**
 * The job-id grammar. BullMQ ids must not contain ':' nor be all digits, so every id has a
 * prefix naming what it is:
 * - `wh-<x-spotnana-webhook-id>` (or `wh-<sha256>` when that id has other characters),
 * - `ev-<sha256 of the canonical event>` when the delivery carries no id (legacy OAuth),
 * - `dl-<job id>` a dead letter, `st-<job id>` a skipped-stale event, `fl-<job id>` a delivery
 *   a subscription filter dropped (the id its job would have had),
 * - `rp<n>-<job id>` the n-th replay of an event.
 */
const safeId = /^[A-Za-z0-9._-]{1,128}$/;

export const sha256Id = (value: string) =>
  createHash("sha256").update(value, "utf8").digest("base64url");

export const webhookJobId = (webhookId: string) =>
  safeId.test(webhookId) ? `wh-${webhookId}` : `wh-${sha256Id(webhookId)}`;

export const digestJobId = (digest: string) => `ev-${digest}`;

export const deadLetterJobId = (jobId: string) => `dl-${jobId}`;

export const staleJobId = (jobId: string) => `st-${jobId}`;

export const filteredJobId = (jobId: string) => `fl-${jobId}`;

const replayed = /^rp(\d+)-(.+)$/;

/** The id of the original delivery's job, under any number of replays. */
export function originalJobId(jobId: string): string {
  const match = replayed.exec(jobId);
  return match?.[2] ?? jobId;
}

/** The id for the next replay of a job: `rp1-wh-…`, then `rp2-wh-…`. */
export function replayJobId(jobId: string): string {
  const match = replayed.exec(jobId);
  const count = match?.[1] === undefined ? 0 : Number(match[1]);
  return `rp${count + 1}-${originalJobId(jobId)}`;
}
