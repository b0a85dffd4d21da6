import type { HandlerLogger } from "@skyhook/handler-kit";
import type { Logger } from "pino";

const levels = ["debug", "info", "warn", "error"] as const;
type Level = (typeof levels)[number];

/**
 * A handler's logger, bound to its job. The child logger is made on the first line written at
 * an enabled level, not per job: most runs write none (a success logs at debug), and building
 * a pino child serialises its bindings.
 */
export function handlerLogger(parent: Logger, bindings: Record<string, unknown>): HandlerLogger {
  let child: Logger | undefined;
  const at =
    (level: Level) =>
    (obj: object, msg?: string): void => {
      if (!parent.isLevelEnabled(level)) return;
      child ??= parent.child(bindings);
      child[level](obj, msg);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
