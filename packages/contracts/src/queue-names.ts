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
 * An operation's queue, where failed events end (`deadLetter`), where events that arrived
 * after a newer state of their entity was applied are kept (`stale`), and where deliveries a
 * subscription filter dropped are kept (`filtered`): all of them visible and replayable.
 */
export type QueueNames = { queue: string; deadLetter: string; stale: string; filtered: string };

const namesForTag = (tag: string): QueueNames => ({
  queue: `{${tag}}`,
  deadLetter: `{${tag}}.dead-letter`,
  stale: `{${tag}}.stale`,
  filtered: `{${tag}}.filtered`,
});

export function queueNamesFor(eventType: string, operation: string): QueueNames {
  return namesForTag(`${slug(eventType)}.${slug(operation)}`);
}

/**
 * The names of the queue `queue` (a name `queueNamesFor` gave), for a reader that stored only
 * some of them: a route announced by a worker that predates a kept location.
 */
export function queueNamesOf(queue: string): QueueNames | undefined {
  const tag = /^\{([^{}]+)\}$/.exec(queue)?.[1];
  return tag === undefined ? undefined : namesForTag(tag);
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
