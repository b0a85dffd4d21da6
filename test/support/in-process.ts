import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TracerProvider } from "@opentelemetry/api";
import type { Catalog } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import { composeIngress, type IngressConfig, loadIngressConfig } from "@skyhook/ingress";
import { createLogger, serveOps } from "@skyhook/service-kit";
import {
  composeWorker,
  loadWorkerConfig,
  type WorkerDeps,
  type WorkerProcess,
} from "@skyhook/worker";
import { sharedRedisUrl } from "./redis.ts";

export const testLogger = (redactFields: readonly string[]) =>
  createLogger({ name: "test", level: process.env.TEST_LOG_LEVEL ?? "silent", redactFields });

/** A token-signing key for tests that configure credentials (development defaults then stop). */
export const testTokenSigningKey = randomBytes(32).toString("base64");

/** What a test may put in place of the environment's choice: a tracer provider it reads back. */
type Injected = { tracerProvider?: TracerProvider };

/** The real ingress (Express, BullMQ, Redis) on an ephemeral port, configured like production. */
export async function startIngress(
  env: Record<string, string>,
  now?: () => Date,
  injected: Injected & { catalog?: Catalog } = {},
) {
  const config: IngressConfig = loadIngressConfig({
    NODE_ENV: "test",
    REDIS_URL: sharedRedisUrl,
    // The 800 ms default is for Spotnana. Here the test runner shares the ingress's event loop
    // and a loaded host can stall it past that, turning a stored delivery into a 503 that the
    // test did not ask about. Tests of the deadline set it, or run the real process.
    ENQUEUE_TIMEOUT_MS: "5000",
    ...env,
  });
  const ingress = composeIngress(config, testLogger(config.redactFields), { now, ...injected });
  const server: Server = ingress.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const ops = await serveOps({
    port: 0,
    host: "127.0.0.1",
    logger: testLogger(config.redactFields),
    routes: ingress.opsRoutes,
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    opsUrl: `http://127.0.0.1:${ops.port}`,
    config,
    ingress,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ops.close();
      await ingress.close();
    },
  };
}

/**
 * The real worker runtime in this process, with the installed handlers unless the test passes
 * its own (e.g. the installed ones wrapped to record their calls).
 */
export function startWorker(
  env: Record<string, string>,
  injected: Injected & { handlers?: readonly Handler<WorkerDeps>[] } = {},
): WorkerProcess {
  const config = loadWorkerConfig({ REDIS_URL: sharedRedisUrl, ...env });
  const { handlers, ...options } = injected;
  return composeWorker(config, testLogger(config.redactFields), undefined, handlers, options);
}

/** The real worker runtime in this process, with its ops server on an ephemeral port. */
export async function startWorkerWithOps(env: Record<string, string>) {
  const worker = startWorker(env);
  const ops = await serveOps({
    port: 0,
    host: "127.0.0.1",
    logger: testLogger([]),
    routes: worker.opsRoutes,
  });
  return {
    worker,
    opsUrl: `http://127.0.0.1:${ops.port}`,
    async close() {
      await worker.close();
      await ops.close();
    },
  };
}

export const devClient = { clientId: "skyhook-dev", clientSecret: "skyhook-dev-secret" };
