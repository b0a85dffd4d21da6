import type { HandlerContext, HandlerLogger } from "./handler.ts";

export type LogEntry = { level: keyof HandlerLogger; obj: object; msg: string | undefined };

/** A context for unit-testing a handler without a worker: logs are collected, not printed. */
export function createTestContext<D>(
  deps: D,
  overrides: Partial<Omit<HandlerContext<D>, "deps">> = {},
): HandlerContext<D> & { logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  const record =
    (level: keyof HandlerLogger) =>
    (obj: object, msg?: string): void => {
      logs.push({ level, obj, msg });
    };
  return {
    idempotencyKey: "test-delivery",
    attempt: 1,
    signal: new AbortController().signal,
    now: () => new Date(),
    trace: { headers: () => ({}) },
    logger: {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    },
    ...overrides,
    deps,
    logs,
  };
}
