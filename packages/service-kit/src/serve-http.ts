import type { Server } from "node:http";
import type { Logger } from "pino";
import { listen } from "./listen.ts";
import { onShutdownSignal } from "./shutdown.ts";

/**
 * Listens on a server made by `createHttpServer` (so its limits are set), and on SIGTERM/SIGINT
 * stops accepting, lets in-flight requests finish, then runs `close` (queues, connections).
 * `shutdownTimeoutMs` bounds the whole stop. A port it cannot take rejects with a ListenError
 * naming `portVariable` (default `PORT`).
 */
export async function serveHttp(options: {
  server: Server;
  port: number;
  portVariable?: string;
  host: string;
  logger: Logger;
  shutdownTimeoutMs: number;
  close: () => Promise<void>;
}): Promise<Server> {
  const server = options.server;
  await listen(server, options.port, options.host, options.portVariable ?? "PORT");
  onShutdownSignal(options.logger, options.shutdownTimeoutMs, async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await options.close();
  });
  return server;
}
