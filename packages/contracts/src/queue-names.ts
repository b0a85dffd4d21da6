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

export type QueueNames = { queue: string; deadLetter: string };

export function queueNamesFor(eventType: string, operation: string): QueueNames {
  const tag = `${slug(eventType)}.${slug(operation)}`;
  return { queue: `{${tag}}`, deadLetter: `{${tag}}.dead-letter` };
}

/** Authenticated, valid events that no installed handler routes: kept for re-routing. */
export const unroutedQueueNames: QueueNames = {
  queue: "{unrouted}",
  deadLetter: "{unrouted}.dead-letter",
};

/** A readable label for dashboards and logs: the name without its hash-tag braces. */
export function queueLabel(name: string): string {
  return name.replace(/[{}]/g, "");
}
