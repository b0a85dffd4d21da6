/**
 * Queue names are derived here and only here, so the ingress, the workers and the dashboard
 * cannot disagree. Each name is wrapped in a Redis Cluster hash tag (`{…}`): all keys of one
 * queue (and its dead-letter queue) then live in one slot, and different operations spread
 * over the cluster. BullMQ forbids `:` in queue names; the slug alphabet excludes it.
 */
const slug = (value: string): string =>
  value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

/**
 * An operation's queue, where failed events end (`deadLetter`), and where events that arrived
 * after a newer state of their entity was applied are kept (`stale`), visible and replayable.
 */
export type QueueNames = { queue: string; deadLetter: string; stale: string };

const namesForTag = (tag: string): QueueNames => ({
  queue: `{${tag}}`,
  deadLetter: `{${tag}}.dead-letter`,
  stale: `{${tag}}.stale`,
});

export function queueNamesFor(eventType: string, operation: string): QueueNames {
  return namesForTag(`${slug(eventType)}.${slug(operation)}`);
}

/** Authenticated, valid events that no installed handler routes: kept for re-routing. */
export const unroutedQueueNames: QueueNames = namesForTag("unrouted");

/**
 * Authenticated deliveries that are JSON but not a valid envelope: answered 400 (Spotnana
 * retries, an operator looks), one copy per distinct body kept here for inspection.
 */
export const rejectedQueueName = "{rejected}";

/** A readable label for dashboards and logs: the name without its hash-tag braces. */
export function queueLabel(name: string): string {
  return name.replace(/[{}]/g, "");
}
