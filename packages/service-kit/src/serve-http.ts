import { once } from "node:events";
import type { Server } from "node:http";
import type { Logger } from "pino";
import { onShutdownSignal } from "./shutdown.ts";

/**
 * Listens on a server made by `createHttpServer` (so its limits are set), and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish, then runs
 * `close` (queues, connections). `shutdownTimeoutMs` bounds the whole stop.
 */
export async function serveHttp(options: {
  server: Server;
  port: number;
  host: string;
  logger: Logger;
  shutdownTimeoutMs: number;
  close: () => Promise<void>;
}): Promise<Server> {
  const server = options.server;
  server.listen(options.port, options.host);
  await once(server, "listening");
  onShutdownSignal(options.logger, options.shutdownTimeoutMs, async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await options.close();
  });
  return server;
}
