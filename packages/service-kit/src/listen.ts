import type { Server } from "node:net";
import type { Logger } from "pino";

/** A server could not take its port; the message names the variable that sets it. */
export class ListenError extends Error {
  override name = "ListenError";
}

const reasons: Record<string, string> = {
  EADDRINUSE: "is already in use by another process",
  EACCES: "may not be opened by this user",
  EADDRNOTAVAIL: "is not an address of this machine",
};

/**
 * Binds `server` to `host:port`. On failure rejects with a ListenError naming `variable`, so
 * whoever starts two processes on one machine learns which setting to change.
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
  variable: string,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const reason = reasons[err.code ?? ""] ?? `cannot be listened on (${err.message})`;
      reject(
        new ListenError(`${variable}: ${host}:${port} ${reason}; set ${variable} to another port`, {
          cause: err,
        }),
      );
    };
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
}

/** For a process's start: a port it cannot take is logged once, by its variable, and ends it. */
export const exitOnListenError =
  (logger: Logger) =>
  (err: unknown): never => {
    if (!(err instanceof ListenError)) throw err;
    logger.fatal({ code: (err.cause as NodeJS.ErrnoException).code }, err.message);
    process.exit(1);
  };
