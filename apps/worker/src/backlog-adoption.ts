import type { OperationSpec } from "@skyhook/contracts";
import { type AdoptContext, adoptBacklog, createRouteRegistry } from "@skyhook/queue-kit";
import type { Logger } from "pino";

export type Pair = { eventType: string; operation: string };

/**
 * Takes over the catch-all backlog of this worker's operations: once at start, then every
 * `intervalMs`, because an ingress that has not yet re-read the announced routes may still send
 * a few events of a new operation to the catch-all. A pass with nothing to adopt costs one
 * SSCAN per operation.
 */
export function startBacklogAdoption(options: {
  ctx: AdoptContext;
  pairs: readonly Pair[];
  intervalMs: number;
  ratePerSec: number;
  logger: Logger;
}): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    running = adoptBacklog(options.ctx, options.pairs, { ratePerSec: options.ratePerSec })
      .then((adopted) => {
        if (adopted > 0) options.logger.info({ adopted }, "adopted catch-all backlog");
      })
      .catch((err: unknown) => options.logger.warn({ err }, "backlog adoption failed; will retry"));
  };
  pass();
  const timer = setInterval(() => {
    if (!stopped) pass();
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * Announces what this worker handles, so the ingress routes to it and the dashboard lists it
 * without being redeployed; then, unless switched off, takes over what waited for it in the
 * catch-all.
 */
export function takeOverRoutes(options: {
  ctx: AdoptContext;
  specs: readonly OperationSpec[];
  adopt: { enabled: boolean; intervalMs: number; ratePerSec: number };
  logger: Logger;
}): { stop(): Promise<void> } {
  const { ctx, specs, logger } = options;
  const announced = createRouteRegistry(ctx.redis, ctx.keys)
    .announce(
      specs.map((spec) => ({
        eventType: spec.eventType,
        operation: spec.operation,
        queues: spec.queues,
        retry: spec.retry,
      })),
    )
    .catch((err: unknown) => logger.warn({ err }, "could not announce routes"));
  const adoption = options.adopt.enabled
    ? startBacklogAdoption({
        ctx,
        pairs: specs.map(({ eventType, operation }) => ({ eventType, operation })),
        intervalMs: options.adopt.intervalMs,
        ratePerSec: options.adopt.ratePerSec,
        logger,
      })
    : undefined;
  return {
    async stop() {
      await announced;
      await adoption?.stop();
    },
  };
}
