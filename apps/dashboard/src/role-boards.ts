import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { QueueNames } from "@skyhook/contracts";
import type { QueuePool } from "@skyhook/queue-kit";
import type { Express } from "express";
import type { Logger } from "pino";
import type { Role } from "./auth/identity.ts";
import { type BoardQueue, boardQueuesOf } from "./board-queues.ts";
import { deadLetterTitle, filteredTitle, staleTitle } from "./job-titles.ts";
import { uiConfigFor } from "./ui-config.ts";
import { UnconsumedQueueAdapter } from "./unconsumed-queue-adapter.ts";

export type RoleBoards = {
  /** bull-board's Express app for a role: a viewer's shows every queue read-only. */
  boardFor(role: Role): Express;
  addQueues(groups: readonly QueueNames[]): void;
};

/**
 * One bull-board per role over the same queues. bull-board decides what a queue allows per
 * adapter (`readOnlyMode`), not per request, so each role gets its own adapters and its own
 * board, and the UI itself hides what the role may not do: a viewer's board has no action
 * buttons at all, and bull-board refuses its write routes with 405. On the operator's board
 * the operation queues take actions (pause, clean, promote, edit) while dead letters, skipped
 * stale events, filtered deliveries and the catch-all stay read-only: they leave only through Replay & ledger,
 * which counts and audits it. Retry buttons are hidden (see refuse-ledger-bypass.ts).
 */
export function createRoleBoards(deps: {
  /** The dashboard's one pool of observer queues (they never rewrite a queue's meta hash). */
  pool: QueuePool;
  queues: readonly QueueNames[];
  basePath: string;
  timeZone: string;
  redact: (value: unknown) => unknown;
  logger: Logger;
}): RoleBoards {
  const known = new Map<string, QueueNames>();
  for (const group of deps.queues) known.set(group.queue, group);

  const boardOf = (role: Role) => {
    const adapters = new Map<string, BullMQAdapter>();
    const adapterFor = (listed: BoardQueue): BullMQAdapter => {
      const options = {
        readOnlyMode: role === "viewer" || listed.role !== "operation",
        allowRetries: false,
        displayName: listed.label,
        description: listed.description,
      };
      const queue = deps.pool.get(listed.name);
      const adapter =
        listed.role === "operation"
          ? new BullMQAdapter(queue, options)
          : new UnconsumedQueueAdapter(queue, options);
      // Formatters apply to every job bull-board serialises (listings, the job page); the
      // failedReason and stacktrace are our own error messages.
      adapter.setFormatter("data", deps.redact);
      adapter.setFormatter("returnValue", deps.redact);
      if (listed.role === "dead-letter") adapter.setFormatter("name", deadLetterTitle);
      if (listed.role === "stale") adapter.setFormatter("name", staleTitle);
      if (listed.role === "filtered") adapter.setFormatter("name", filteredTitle);
      return adapter;
    };
    /** The board's queues in their listing order, creating adapters for names not seen before. */
    const listed = (): BullMQAdapter[] =>
      boardQueuesOf([...known.values()]).map((queue) => {
        const existing = adapters.get(queue.name);
        if (existing !== undefined) return existing;
        const created = adapterFor(queue);
        adapters.set(queue.name, created);
        return created;
      });
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(deps.basePath);
    const board = createBullBoard({
      queues: listed(),
      serverAdapter,
      options: {
        uiConfig: uiConfigFor({
          readOnly: role === "viewer",
          basePath: deps.basePath,
          timeZone: deps.timeZone,
        }),
      },
    });
    // bull-board types its router as `any`; it is the Express app its adapter created.
    const app: Express = serverAdapter.getRouter();
    // A mounted sub-app sets its own X-Powered-By unless told not to.
    app.disable("x-powered-by");
    return {
      app,
      relist() {
        // bull-board lists queues in the order they were registered; registering the whole
        // list again keeps an operation's dead letters beside it. Both calls are synchronous,
        // so no request sees the board empty in between.
        const ordered = listed();
        board.replaceQueues([]);
        board.setQueues(ordered);
        return ordered.map((adapter) => adapter.getName());
      },
    };
  };

  const boards = { viewer: boardOf("viewer"), operator: boardOf("operator") };
  return {
    boardFor: (role) => boards[role].app,
    addQueues(groups) {
      const before = known.size;
      for (const group of groups) if (!known.has(group.queue)) known.set(group.queue, group);
      if (known.size === before) return;
      boards.operator.relist();
      deps.logger.info(
        { queues: boards.viewer.relist() },
        "dashboard lists newly announced queues",
      );
    },
  };
}
