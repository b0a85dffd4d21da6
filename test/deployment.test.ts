import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultCatalog } from "@skyhook/contracts";
import { loadDashboardConfig } from "@skyhook/dashboard";
import { loadIngressConfig } from "@skyhook/ingress";
import { assign, installedHandlers, loadWorkerConfig } from "@skyhook/worker";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { repoRoot } from "./support/processes.ts";

/**
 * Docker cannot run on the machines that test Skyhook, so docker-compose.yml is checked here:
 * each service's environment, filled from .env.example the way Compose interpolates it, must
 * pass the very config loader that service runs at start-up.
 */
const Compose = z.object({
  services: z.record(
    z.string(),
    z.looseObject({
      command: z.array(z.string()).optional(),
      environment: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      stop_grace_period: z.string().optional(),
      ports: z.array(z.union([z.string(), z.number()])).optional(),
    }),
  ),
});

const exampleEnv = Object.fromEntries(
  readFileSync(join(repoRoot, ".env.example"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` against .env.example. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) => {
      const given = exampleEnv[name];
      if (given !== undefined && given !== "") return given;
      if (kind === "?") throw new Error(`${name} is required by docker-compose.yml: ${rest}`);
      return kind === "-" ? (rest ?? "") : "";
    },
  );
}

const compose = Compose.parse(
  parse(readFileSync(join(repoRoot, "docker-compose.yml"), "utf8"), { merge: true }),
);
const services = compose.services;
const envOf = (name: string): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
  );
const appServices = Object.entries(services).filter(
  ([, s]) => s.command?.includes("--import") === true,
);

describe("docker-compose.yml", () => {
  it("runs Redis with AOF and the noeviction policy BullMQ requires", () => {
    const command = services.redis?.command ?? [];
    expect(command.join(" ")).toMatch(/--appendonly yes/);
    expect(command.join(" ")).toMatch(/--maxmemory-policy noeviction/);
  });

  it("starts every app service from an entry point that exists", () => {
    expect(appServices.length).toBeGreaterThanOrEqual(4);
    for (const [name, service] of appServices) {
      const entry = service.command?.at(-1) ?? "";
      expect(existsSync(join(repoRoot, entry)), `${name}: ${entry}`).toBe(true);
    }
  });

  it("gives the ingress a production configuration its loader accepts", () => {
    const config = loadIngressConfig(envOf("ingress"));
    expect(config.nodeEnv).toBe("production");
    expect(config.devDefaultsInUse).toEqual([]);
    expect(config.subscriptions[0]?.hmac).toBeDefined();
    expect(config.subscriptions[0]?.oauth).toBeDefined();
  });

  it("gives the dashboard a production configuration its loader accepts", () => {
    const config = loadDashboardConfig(envOf("dashboard"));
    expect(config.devDefaultsInUse).toEqual([]);
    expect(config.readOnly).toBe(true);
  });

  it("runs one worker service per installed handler, each accepted by the worker's loader", () => {
    const workers = appServices.filter(([, s]) => s.command?.at(-1) === "apps/worker/src/main.ts");
    const consumed = workers.flatMap(([name]) => {
      const config = loadWorkerConfig(envOf(name));
      return assign(defaultCatalog, installedHandlers, config.operations).map(
        (a) => a.spec.queues.queue,
      );
    });
    expect(consumed.sort()).toEqual(
      installedHandlers
        .map((h) => defaultCatalog.route(h.eventType, h.operation).queues.queue)
        .sort(),
    );
  });

  it("publishes no ops port: health, readiness and metrics answer without authentication", () => {
    for (const [name] of appServices) {
      const published = (services[name]?.ports ?? []).map((p) => String(p).split(":").at(-1));
      const env = envOf(name);
      const opsPort = name === "dashboard" ? undefined : String(env.OPS_PORT ?? 9464);
      if (opsPort !== undefined) expect(published, name).not.toContain(opsPort);
    }
    expect(services.ingress?.ports).toEqual(["8080:8080"]);
  });

  it("lets workers finish their graceful stop before Docker's kill", () => {
    for (const [name, service] of appServices.filter(
      ([, s]) => s.command?.at(-1) === "apps/worker/src/main.ts",
    )) {
      const graceSec = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? "")?.[1] ?? 10);
      const config = loadWorkerConfig(envOf(name));
      // The worker exits at the latest SHUTDOWN_TIMEOUT_MS + 10 s after SIGTERM (main.ts).
      expect(graceSec * 1000, name).toBeGreaterThan(config.shutdownTimeoutMs + 10_000);
    }
  });
});
