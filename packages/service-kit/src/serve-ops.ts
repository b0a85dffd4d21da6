import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { listen } from "./listen.ts";

export type OpsResponse = {
  status: number;
  body: string;
  /** Defaults to JSON. */
  contentType?: string;
};

/** One route of the ops server: `GET <path>` answered by a plain function. */
export type OpsRoute = () => Promise<OpsResponse> | OpsResponse;

export type OpsServer = {
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  server: Server;
  close(): Promise<void>;
};

const json = (status: number, value: unknown): OpsResponse => ({
  status,
  body: JSON.stringify(value),
});

/** A JSON answer for an ops route. */
export const opsJson = json;

/**
 * The internal HTTP server every process runs beside its real work: health, readiness and
 * metrics. It is plain node:http on its own port, never the public one — it answers without
 * authentication and its metrics name subscriptions and queues, so it must stay on the
 * private network. GET (and HEAD) only; a route that throws answers 500 and is logged.
 */
export async function serveOps(options: {
  port: number;
  host: string;
  logger: Logger;
  routes: Record<string, OpsRoute>;
}): Promise<OpsServer> {
  const routes = new Map(Object.entries(options.routes));
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const send = (answer: OpsResponse) => {
      res.statusCode = answer.status;
      res.setHeader("Content-Type", answer.contentType ?? "application/json; charset=utf-8");
      res.setHeader("Cache-Control", "no-store");
      res.end(req.method === "HEAD" ? undefined : answer.body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(json(405, { error: "method not allowed" }));
      return;
    }
    const route = routes.get(path);
    if (route === undefined) {
      send(json(404, { error: "not found", routes: [...routes.keys()] }));
      return;
    }
    Promise.resolve()
      .then(route)
      .then(send, (err: unknown) => {
        options.logger.error({ err, path }, "ops route failed");
        send(json(500, { error: "internal" }));
      });
  });
  // Scrapers and probes keep connections alive; a short idle timeout lets close() finish.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await listen(server, options.port, options.host, "OPS_PORT");
  server.on("error", (err) => options.logger.error({ err }, "ops server error"));
  const { port } = server.address() as AddressInfo;
  options.logger.info(
    { port, host: options.host, routes: [...routes.keys()] },
    "ops server listening",
  );
  return {
    port,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A scrape still running is not worth holding a shutdown for.
      const force = setTimeout(() => server.closeAllConnections(), 2_000);
      force.unref();
      await closed;
      clearTimeout(force);
    },
  };
}
