import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultCatalog } from "@skyhook/contracts";
import { loadDashboardConfig } from "@skyhook/dashboard";
import { loadIngressConfig } from "@skyhook/ingress";
import { assign, installedHandlers, loadWorkerConfig, shutdownExitMarginMs } from "@skyhook/worker";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { configErrorOf } from "./support/config-error.ts";
import { dockerfileStages, execForm, last } from "./support/dockerfile.ts";
import { repoRoot } from "./support/processes.ts";
import { isSecretVariable, withGeneratedSecrets } from "./support/shipped-secrets.ts";

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
      healthcheck: z.object({ test: z.array(z.string()) }).optional(),
    }),
  ),
});

/** .env.example as shipped, placeholders and all. */
const shippedEnv: Record<string, string> = Object.fromEntries(
  readFileSync(join(repoRoot, ".env.example"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
/** .env.example filled in: every secret generated, as the operator is told to. */
const exampleEnv = withGeneratedSecrets(shippedEnv);

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` against `.env`. */
function interpolate(
  value: string,
  dotEnv: Record<string, string | undefined> = exampleEnv,
): string {
  return value.replace(
    /\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) => {
      const given = dotEnv[name];
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
const envOf = (
  name: string,
  dotEnv: Record<string, string | undefined> = exampleEnv,
): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [
      k,
      interpolate(String(v), dotEnv),
    ]),
  );
/** Where a service's ops server listens, by the loader that service runs (the dashboard has none). */
const opsPortOf = (name: string, env: NodeJS.ProcessEnv): number | undefined =>
  name === "dashboard"
    ? undefined
    : name === "ingress"
      ? loadIngressConfig(env).ops.port
      : loadWorkerConfig(env).ops.port;
const appServices = Object.entries(services).filter(([, s]) => s.command?.[0] === "node");
const workerServices = appServices.filter(
  ([, s]) => s.command?.at(-1) === "apps/worker/src/main.ts",
);
const redisPassword = (url: string | undefined) =>
  url === undefined ? undefined : decodeURIComponent(new URL(url).password);

describe("docker-compose.yml", () => {
  it("runs Redis with AOF and the noeviction policy BullMQ requires", () => {
    const command = services.redis?.command ?? [];
    expect(command.join(" ")).toMatch(/--appendonly yes/);
    expect(command.join(" ")).toMatch(/--maxmemory-policy noeviction/);
  });

  it("gives Redis a maxmemory, so the ingress sheds deliveries before Redis refuses writes", () => {
    const command = (services.redis?.command ?? []).map((part) => interpolate(part));
    const limit = command[command.indexOf("--maxmemory") + 1] ?? "";
    expect(command).toContain("--maxmemory");
    expect(limit).toBe(exampleEnv.REDIS_MAXMEMORY);
    expect(limit).toMatch(/^[1-9]\d*(kb|mb|gb)$/);
  });

  it("starts every app service from an entry point that exists, with Node's own type stripping", () => {
    expect(appServices.length).toBeGreaterThanOrEqual(4);
    for (const [name, service] of appServices) {
      const entry = service.command?.at(-1) ?? "";
      expect(service.command, name).toEqual(["node", entry]);
      expect(existsSync(join(repoRoot, entry)), `${name}: ${entry}`).toBe(true);
    }
  });

  it("runs Redis with a password, and gives every app service a REDIS_URL that carries it", () => {
    const command = (services.redis?.command ?? []).map((part) => interpolate(part));
    const password = command[command.indexOf("--requirepass") + 1];
    expect(command).toContain("--requirepass");
    expect(password).toBe(exampleEnv.REDIS_PASSWORD);
    expect(interpolate(String(services.redis?.environment?.REDISCLI_AUTH))).toBe(password);
    for (const [name] of appServices) {
      const url = envOf(name).REDIS_URL;
      expect(new URL(url ?? "").host, name).toBe("redis:6379");
      expect(redisPassword(url), name).toBe(password);
    }
  });

  it("keeps a development Redis password when .env gives none", () => {
    const command = services.redis?.command ?? [];
    const development = /^\$\{REDIS_PASSWORD:-([^}]+)\}$/.exec(
      command[command.indexOf("--requirepass") + 1] ?? "",
    )?.[1];
    expect(development).toBeDefined();
    // The same default everywhere, or the services would not get in with .env unset.
    for (const [name, service] of appServices)
      expect(service.environment?.REDIS_URL, name).toBe(
        `redis://:\${REDIS_PASSWORD:-${development}}@redis:6379`,
      );
  });

  it("gives the ingress, every worker and the dashboard a healthcheck on its own health endpoint", () => {
    for (const [name, service] of appServices) {
      const env = envOf(name);
      const test = service.healthcheck?.test ?? [];
      expect(test.slice(0, 3), name).toEqual(["CMD", "node", "-e"]);
      const url = /fetch\('([^']+)'\)/.exec(test[3] ?? "")?.[1] ?? "";
      const isWorker = workerServices.some(([w]) => w === name);
      // A worker answers only on its ops port; the ingress and the dashboard on their own port.
      const port = isWorker
        ? loadWorkerConfig(env).ops.port
        : name === "ingress"
          ? loadIngressConfig(env).port
          : loadDashboardConfig(env).port;
      const path = name === "dashboard" ? "/healthz" : "/readyz";
      expect(url, name).toBe(`http://127.0.0.1:${port}${path}`);
      expect(test[3], name).toMatch(/process\.exit\(r\.ok\?0:1\)/);
    }
  });

  it("gives the ingress a production configuration its loader accepts", () => {
    const config = loadIngressConfig(envOf("ingress"));
    expect(config.nodeEnv).toBe("production");
    expect(config.devDefaultsInUse).toEqual([]);
    expect(config.subscriptions[0]?.hmac).toBeDefined();
    expect(config.subscriptions[0]?.oauth).toBeDefined();
  });

  it("refuses, in the ingress's production config, every secret .env.example ships, naming the variable", () => {
    const ingressEnv = Object.values(services.ingress?.environment ?? {}).map(String);
    const readByIngress = Object.keys(shippedEnv).filter(
      (name) => isSecretVariable(name) && ingressEnv.some((value) => value.includes(`\${${name}`)),
    );
    expect(readByIngress.sort()).toEqual([
      "REDIS_PASSWORD",
      "SPOTNANA_CLIENT_SECRET",
      "SPOTNANA_SIGNING_SECRETS",
      "TOKEN_SIGNING_KEY",
    ]);
    for (const name of readByIngress) {
      const shipped = shippedEnv[name] ?? "";
      const error = configErrorOf(() =>
        loadIngressConfig(envOf("ingress", { ...exampleEnv, [name]: shipped })),
      );
      const variable = name === "REDIS_PASSWORD" ? "REDIS_URL" : name;
      expect(error.problems.length, name).toBeGreaterThan(0);
      for (const problem of error.problems)
        expect(problem, name).toMatch(new RegExp(`^${variable}`));
      expect(error.message).not.toContain(shipped);
    }
  });

  it("refuses compose's development Redis password in production, where .env gives none", () => {
    const error = configErrorOf(() =>
      loadIngressConfig(envOf("ingress", { ...exampleEnv, REDIS_PASSWORD: undefined })),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/^REDIS_URL: its password looks like a placeholder/),
    ]);
  });

  it("gives the dashboard a production configuration its loader accepts, its .env login a viewer", () => {
    const config = loadDashboardConfig(envOf("dashboard"));
    expect(config.devDefaultsInUse).toEqual([]);
    expect(config.readOnly).toBe(false);
    expect(config.auth.mode === "basic" && config.auth.users.map((u) => u.role)).toEqual([
      "viewer",
    ]);
    const shipped = { ...envOf("dashboard"), DASHBOARD_PASSWORD: shippedEnv.DASHBOARD_PASSWORD };
    expect(() => loadDashboardConfig(shipped)).toThrow(
      /DASHBOARD_PASSWORD: looks like a placeholder/,
    );
  });

  it("publishes the dashboard on 127.0.0.1 only, unless .env's DASHBOARD_PUBLISH says where", () => {
    const published = (dotEnv: Record<string, string>) =>
      (services.dashboard?.ports ?? []).map((port) => interpolate(String(port), dotEnv));
    expect(published(exampleEnv)).toEqual(["127.0.0.1:3001:3001"]);
    expect(published({ ...exampleEnv, DASHBOARD_PUBLISH: "0.0.0.0:3001" })).toEqual([
      "0.0.0.0:3001:3001",
    ]);
  });

  it("runs one worker service per installed handler, each accepted by the worker's loader", () => {
    const consumed = workerServices.flatMap(([name]) => {
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
      const opsPort = opsPortOf(name, env);
      if (opsPort !== undefined) expect(published, name).not.toContain(String(opsPort));
    }
    expect(services.ingress?.ports).toEqual(["8080:8080"]);
  });

  it("probes each worker and the ingress where its own config says it listens", () => {
    for (const [name, service] of appServices) {
      const probed = /fetch\('http:\/\/127\.0\.0\.1:(\d+)\/(?:readyz|healthz)'/.exec(
        service.healthcheck?.test.join(" ") ?? "",
      );
      expect(probed, `${name} has a healthcheck`).not.toBeNull();
      const env = envOf(name);
      const expected =
        name === "dashboard"
          ? loadDashboardConfig(env).port
          : name === "ingress"
            ? loadIngressConfig(env).port
            : opsPortOf(name, env);
      expect(Number(probed?.[1]), name).toBe(expected);
    }
  });

  it("lets workers finish their graceful stop before Docker's kill", () => {
    for (const [name, service] of workerServices) {
      const graceSec = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? "")?.[1] ?? 10);
      const config = loadWorkerConfig(envOf(name));
      expect(graceSec * 1000, name).toBeGreaterThan(
        config.shutdownTimeoutMs + shutdownExitMarginMs,
      );
    }
  });
});

describe("Dockerfile", () => {
  const stages = dockerfileStages();
  const final = stages.at(-1);
  if (final === undefined) throw new Error("the Dockerfile has no stage");
  const copiedFrom = final.instructions
    .filter((i) => i.keyword === "COPY")
    .map((i) => /^--from=(\S+)/.exec(i.args)?.[1])
    .filter((name) => name !== undefined);
  const runs = (stage: (typeof stages)[number]) =>
    stage.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);

  it("builds every stage on Node 24 LTS, slim", () => {
    for (const stage of stages) expect(stage.image).toBe("node:24-bookworm-slim");
  });

  it("ships production dependencies only: the final stage copies them from a --prod install", () => {
    expect(runs(final).join("\n")).not.toMatch(/install/);
    expect(copiedFrom).toHaveLength(1);
    const deps = stages.find((s) => s.name === copiedFrom[0]);
    const installs = runs(deps ?? final).filter((r) => r.startsWith("pnpm install"));
    expect(installs).toEqual(["pnpm install --prod --frozen-lockfile"]);
    const copied = (deps?.instructions ?? [])
      .filter((i) => i.keyword === "COPY")
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(
      expect.arrayContaining([
        "package.json",
        "pnpm-lock.yaml",
        "pnpm-workspace.yaml",
        ".pnpmfile.cjs",
        "apps",
        "packages",
      ]),
    );
  });

  it("names no tsx: the sources run with Node's own type stripping", () => {
    const instructions = stages.flatMap((s) => s.instructions.map((i) => i.args));
    expect(instructions.filter((args) => /tsx|--import|typescript/.test(args))).toEqual([]);
  });

  it("runs as a non-root user, by number, with NODE_ENV=production", () => {
    const user = last(final, "USER")?.args ?? "root";
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(final.instructions.filter((i) => i.keyword === "ENV").map((i) => i.args)).toContain(
      "NODE_ENV=production",
    );
  });

  it("starts the ingress by default, from an entry point that exists; compose runs the same node", () => {
    const cmd = execForm(last(final, "CMD"));
    expect(cmd).toEqual(["node", "apps/ingress/src/main.ts"]);
    expect(last(final, "ENTRYPOINT")).toBeUndefined();
    for (const entry of ["apps/ingress", "apps/worker", "apps/dashboard", "apps/cli"])
      expect(existsSync(join(repoRoot, entry, "src/main.ts")), entry).toBe(true);
  });
});
