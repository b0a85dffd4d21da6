import type { Logger } from "pino";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. A second signal, or `stop` outlasting
 * `hardLimitMs`, exits at once: an orchestrator's kill must never find us still "stopping".
 */
export function onShutdownSignal(
  logger: Logger,
  hardLimitMs: number,
  stop: (signal: NodeJS.Signals) => Promise<void>,
): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    const hardStop = setTimeout(() => {
      logger.error({ hardLimitMs }, "shutdown took too long: exiting");
      process.exit(1);
    }, hardLimitMs);
    hardStop.unref();
    stop(signal).then(
      () => {
        logger.info("stopped cleanly");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
