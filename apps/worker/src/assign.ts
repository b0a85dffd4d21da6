import type { Catalog } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import { ConfigError } from "@skyhook/service-kit";
import type { WorkerConfig } from "./config.ts";
import type { Assignment } from "./runtime.ts";

/**
 * Pairs each selected operation with its installed handler and its contract. Selecting an
 * operation nobody installed is a configuration error, not a worker that silently idles.
 */
export function assign<D>(
  catalog: Catalog,
  handlers: readonly Handler<D>[],
  selected: WorkerConfig["operations"],
): Assignment<D>[] {
  const wanted =
    selected ?? handlers.map((h) => ({ eventType: h.eventType, operation: h.operation }));
  const problems: string[] = [];
  const assignments = wanted.flatMap(({ eventType, operation }) => {
    const handler = handlers.find((h) => h.eventType === eventType && h.operation === operation);
    const { spec } = catalog.route(eventType, operation);
    if (handler === undefined || spec === undefined) {
      problems.push(`WORKER_OPERATIONS: no handler installed for ${eventType}/${operation}`);
      return [];
    }
    return [{ spec, handler }];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return assignments;
}
