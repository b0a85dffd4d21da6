import { type QueueNames, queueLabel, unroutedQueueNames } from "@skyhook/contracts";

/**
 * What a queue is for. Only an operation's own queue has a consumer; the others are kept for an
 * operator to look at, so "no workers" is an alarm for the first and the normal state for the rest.
 */
export type QueueRole = "operation" | "dead-letter" | "stale" | "filtered" | "catch-all";

export type BoardQueue = {
  name: string;
  role: QueueRole;
  /** What the board shows instead of the raw name. */
  label: string;
  description: string;
};

/**
 * The queues the board lists for each operation's names, in a stable order (an operation's
 * queue, then its dead letters, skipped-stale events and filtered deliveries; the catch-all and
 * its filtered deliveries last). Roles come from the field a name was derived into, never from
 * parsing the name.
 *
 * The catch-all has no dead-letter or stale queue in practice: no worker consumes it, so nothing
 * can fail or be skipped there. Listing them would show two queues that are always empty. Its
 * filtered queue is listed: a filter can drop an event nothing handles.
 */
export function boardQueuesOf(groups: readonly QueueNames[]): BoardQueue[] {
  const byQueue = new Map<string, QueueNames>();
  for (const group of groups) byQueue.set(group.queue, group);
  const operations = [...byQueue.values()]
    .filter((group) => group.queue !== unroutedQueueNames.queue)
    .sort((a, b) => a.queue.localeCompare(b.queue));

  const listed = operations.flatMap((group): BoardQueue[] => {
    const operation = queueLabel(group.queue);
    return [
      {
        name: group.queue,
        role: "operation",
        label: operation,
        description: `Events of ${operation} waiting for, or handled by, its workers.`,
      },
      {
        name: group.deadLetter,
        role: "dead-letter",
        label: `${operation} · dead letters`,
        description: `Events of ${operation} that failed for good, with why; kept, never consumed.`,
      },
      {
        name: group.stale,
        role: "stale",
        label: `${operation} · skipped stale`,
        description: `Events of ${operation} older than a state already applied; kept, never consumed.`,
      },
      {
        name: group.filtered,
        role: "filtered",
        label: `${operation} · filtered`,
        description: `Deliveries of ${operation} a subscription filter dropped; kept, never consumed, replayable.`,
      },
    ];
  });
  return [
    ...listed,
    {
      name: unroutedQueueNames.queue,
      role: "catch-all",
      label: "catch-all (no handler yet)",
      description: "Valid events no installed handler routes; kept whole for re-routing.",
    },
    {
      name: unroutedQueueNames.filtered,
      role: "filtered",
      label: "catch-all · filtered",
      description:
        "Deliveries without a handler that a subscription filter dropped; kept, never consumed, replayable.",
    },
  ];
}
