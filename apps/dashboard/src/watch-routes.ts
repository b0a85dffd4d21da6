import type { Catalog, QueueNames } from "@skyhook/contracts";
import { knownQueues, type RouteRegistry } from "@skyhook/queue-kit";
import type { Logger } from "pino";

export type RouteWatch = {
  /** Reads the announced routes now; resolves once the board has been told. */
  refresh(): Promise<void>;
  close(): void;
};

/**
 * Keeps the board's queue list up to date with the routes running workers announce, so a
 * handler deployed later shows up without restarting the dashboard. The next read is scheduled
 * only after the previous one ended: during a Redis outage reads wait rather than fail, and
 * they must not pile up. A failed read keeps what the board already shows.
 */
export function watchRoutes(options: {
  catalog: Catalog;
  registry: Pick<RouteRegistry, "list">;
  refreshMs: number;
  logger: Logger;
  onQueues: (groups: QueueNames[]) => void;
}): RouteWatch {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const refresh = async () => {
    try {
      options.onQueues(knownQueues(options.catalog, await options.registry.list()));
    } catch (err) {
      options.logger.warn({ err }, "could not read announced routes; the board keeps its queues");
    }
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => void refresh().then(schedule), options.refreshMs);
    timer.unref();
  };
  void refresh().then(schedule);

  return {
    refresh,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
