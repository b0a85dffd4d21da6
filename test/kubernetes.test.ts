import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { defaultCatalog, queueLabel, queueNamesFor } from "@skyhook/contracts";
import { DashboardEnv, loadDashboardConfig } from "@skyhook/dashboard";
import { IngressEnv, loadIngressConfig } from "@skyhook/ingress";
import {
  assign,
  installedHandlers,
  loadWorkerConfig,
  shutdownExitMarginMs,
  WorkerEnv,
} from "@skyhook/worker";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { dockerfileStages, last } from "./support/dockerfile.ts";
import { startWorkerWithOps } from "./support/in-process.ts";
import { repoRoot } from "./support/processes.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * No cluster runs here, so deploy/kubernetes is checked the way docker-compose.yml is: every
 * manifest validated against the Kubernetes (and KEDA) schemas by kubernetes-models, each
 * container's environment — ConfigMap, values, and the example overlay's Secrets — passed
 * through the very loader its process runs, its ports and probes against what that config
 * listens on, and each worker's ScaledObject against the queue the contracts name for it.
 */
const base = join(repoRoot, "deploy/kubernetes/base");
const overlay = join(repoRoot, "deploy/kubernetes/overlays/example");

const Kustomization = z.object({
  resources: z.array(z.string()).default([]),
  images: z
    .array(z.object({ name: z.string(), newName: z.string(), newTag: z.string() }))
    .default([]),
  replicas: z.array(z.object({ name: z.string(), count: z.number() })).default([]),
  secretGenerator: z
    .array(z.object({ name: z.string(), envs: z.array(z.string()).default([]) }))
    .default([]),
  patches: z
    .array(z.object({ path: z.string().optional(), patch: z.string().optional() }))
    .default([]),
});
const kustomization = (dir: string) =>
  Kustomization.parse(
    parseAllDocuments(readFileSync(join(dir, "kustomization.yaml"), "utf8"))[0]?.toJS(),
  );

type Manifest = { apiVersion: string; kind: string; metadata: { name: string } };
const documents = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Manifest);

const baseKustomization = kustomization(base);
const manifests = baseKustomization.resources.flatMap((file) => documents(join(base, file)));
const ofKind = <T>(kind: string) => manifests.filter((m) => m.kind === kind) as unknown as T[];

const deployments = ofKind<Deployment>("Deployment");
const services = ofKind<Service>("Service");
const scaledObjects = ofKind<ScaledObject>("ScaledObject");
const [pdb] = ofKind<PodDisruptionBudget>("PodDisruptionBudget");
const [configMap] = ofKind<ConfigMap>("ConfigMap");

const containerOf = (d: Deployment) => {
  const [container, ...others] = d.spec?.template.spec?.containers ?? [];
  if (container === undefined || others.length > 0)
    throw new Error(`${d.metadata?.name}: expected one container`);
  return container;
};
const appOf = (d: Deployment) =>
  /^apps\/(\w+)\/src\/main\.ts$/.exec(containerOf(d).command?.[1] ?? "")?.[1];
const deploymentOf = (app: string) => deployments.filter((d) => appOf(d) === app);
const labelsOf = (d: Deployment) => d.spec?.template.metadata?.labels ?? {};
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** KEY=value lines of the overlay's generated Secrets, by Secret name. */
const overlaySecrets = new Map(
  kustomization(overlay).secretGenerator.map((generator) => [
    generator.name,
    Object.fromEntries(
      generator.envs.flatMap((file) =>
        readFileSync(join(overlay, file), "utf8")
          .split("\n")
          .filter((line) => /^[A-Z_]+=/.test(line))
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      ),
    ) as Record<string, string>,
  ]),
);

/** What the container's process sees: the ConfigMap it loads, then its own variables. */
/**
 * What a deployment generates in place of the overlay's placeholders, which production
 * refuses (checked below): the loaders are given these.
 */
const generatedSecrets: Record<string, Record<string, string>> = {
  "skyhook-dashboard": { DASHBOARD_PASSWORD: "vivid walrus juggles nine kites" },
};

function environmentOf(d: Deployment): Record<string, string> {
  const container = containerOf(d);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    expect(source.configMapRef?.name).toBe(configMap?.metadata?.name);
    Object.assign(env, configMap?.data);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref === undefined) {
      env[variable.name] = variable.value ?? "";
      continue;
    }
    const value =
      generatedSecrets[ref.name ?? ""]?.[ref.key] ?? overlaySecrets.get(ref.name ?? "")?.[ref.key];
    if (value === undefined && ref.optional !== true)
      throw new Error(`${d.metadata?.name}: no ${ref.key} in the overlay's Secret ${ref.name}`);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}
const namesOf = (d: Deployment) => [
  ...Object.keys(configMap?.data ?? {}),
  ...(containerOf(d).env ?? []).map((v) => v.name),
];

const portNamed = (d: Deployment, name: string | number | undefined) =>
  containerOf(d).ports?.find((p) => p.name === name)?.containerPort;

const finalStage = dockerfileStages().at(-1);
const dockerUser = Number(
  (finalStage === undefined ? undefined : last(finalStage, "USER"))?.args.split(":")[0],
);

describe("deploy/kubernetes/base", () => {
  it("passes the Kubernetes and KEDA schemas (kubernetes-models)", () => {
    const models: Record<string, new (data: never) => { validate(): void }> = {
      "apps/v1/Deployment": Deployment,
      "v1/Service": Service,
      "v1/ConfigMap": ConfigMap,
      "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
      "keda.sh/v1alpha1/ScaledObject": ScaledObject,
    };
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const manifest of manifests) {
      const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model, `${manifest.kind} ${manifest.metadata.name}`).toBeDefined();
      if (Model !== undefined) expect(() => new Model(manifest as never).validate()).not.toThrow();
      expect(manifest.metadata, manifest.metadata.name).not.toHaveProperty("namespace");
    }
  });

  it("runs the one image, each process from an entry point that exists", () => {
    for (const d of deployments) {
      const container = containerOf(d);
      expect(container.image, d.metadata?.name).toBe("skyhook");
      expect(container.command?.[0]).toBe("node");
      expect(container.command).toHaveLength(2);
      expect(existsSync(join(repoRoot, container.command?.[1] ?? "")), d.metadata?.name).toBe(true);
    }
    expect(deploymentOf("ingress")).toHaveLength(1);
    expect(deploymentOf("dashboard")).toHaveLength(1);
  });

  it("sets only variables each app's loader knows, and the loader accepts the result", () => {
    const schemas = { ingress: IngressEnv, worker: WorkerEnv, dashboard: DashboardEnv };
    for (const d of deployments) {
      const app = appOf(d) as keyof typeof schemas;
      const known = Object.keys(schemas[app].shape);
      expect(
        namesOf(d).filter((name) => !known.includes(name)),
        d.metadata?.name,
      ).toEqual([]);
    }
    const ingress = loadIngressConfig(environmentOf(deploymentOf("ingress")[0] as Deployment));
    expect(ingress.nodeEnv).toBe("production");
    expect(ingress.subscriptions[0]?.hmac).toBeDefined();
    const dashboardEnv = environmentOf(deploymentOf("dashboard")[0] as Deployment);
    const dashboard = loadDashboardConfig(dashboardEnv);
    expect(dashboard.devDefaultsInUse).toEqual([]);
    expect(dashboard.auth.mode === "basic" && dashboard.auth.users.map((u) => u.role)).toEqual([
      "viewer",
    ]);
    const placeholder = overlaySecrets.get("skyhook-dashboard")?.DASHBOARD_PASSWORD;
    expect(() => loadDashboardConfig({ ...dashboardEnv, DASHBOARD_PASSWORD: placeholder })).toThrow(
      /DASHBOARD_PASSWORD: looks like a placeholder/,
    );
    for (const d of deploymentOf("worker"))
      expect(loadWorkerConfig(environmentOf(d)).nodeEnv).toBe("production");
  });

  it("listens where the ports, probes and Services say", () => {
    for (const d of deployments) {
      const env = environmentOf(d);
      const container = containerOf(d);
      const name = d.metadata?.name;
      const app = appOf(d);
      const config =
        app === "ingress"
          ? { http: loadIngressConfig(env).port, ops: loadIngressConfig(env).ops.port }
          : app === "dashboard"
            ? { http: loadDashboardConfig(env).port, ops: undefined }
            : { http: undefined, ops: loadWorkerConfig(env).ops.port };
      expect(portNamed(d, "http"), name).toBe(config.http);
      expect(portNamed(d, "ops"), name).toBe(config.ops);
      // Readiness on /readyz wherever there is one (the ops port); the board has only /healthz.
      const probeOn = config.ops === undefined ? "http" : "ops";
      expect(container.readinessProbe?.httpGet, name).toEqual({
        path: config.ops === undefined ? "/healthz" : "/readyz",
        port: probeOn,
      });
      expect(container.livenessProbe?.httpGet, name).toEqual({ path: "/healthz", port: probeOn });
      const annotations = d.spec?.template.metadata?.annotations ?? {};
      if (config.ops === undefined) {
        expect(annotations["prometheus.io/scrape"], name).toBeUndefined();
      } else {
        expect(annotations, name).toMatchObject({
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(config.ops),
          "prometheus.io/path": "/metrics",
        });
      }
    }
    for (const service of services) {
      const name = service.metadata?.name;
      const targets = deployments.filter((d) => selects(service.spec?.selector, labelsOf(d)));
      expect(
        targets.map((d) => d.metadata?.name),
        name,
      ).toEqual([name]);
      expect(service.spec?.type, name).toBe("ClusterIP");
      for (const port of service.spec?.ports ?? [])
        expect(portNamed(targets[0] as Deployment, port.targetPort), name).toBeDefined();
    }
    expect(services.map((s) => s.metadata?.name).sort()).toEqual([
      "skyhook-dashboard",
      "skyhook-ingress",
    ]);
  });

  it("runs one worker Deployment per installed handler, each scaled by KEDA on exactly its queue's backlog", () => {
    const consumed = deploymentOf("worker").map((d) => {
      const assignments = assign(
        defaultCatalog,
        installedHandlers,
        loadWorkerConfig(environmentOf(d)).operations,
      );
      expect(assignments, d.metadata?.name).toHaveLength(1);
      const queue = assignments[0]?.spec.queues.queue ?? "";
      const scaler = scaledObjects.filter((s) => s.spec.scaleTargetRef.name === d.metadata?.name);
      expect(scaler, d.metadata?.name).toHaveLength(1);
      const spec = scaler[0]?.spec;
      expect(d.spec?.replicas, "KEDA owns the replica count").toBeUndefined();
      expect(spec?.minReplicaCount, d.metadata?.name).toBeGreaterThanOrEqual(1);
      expect(spec?.maxReplicaCount ?? 0).toBeGreaterThan(spec?.minReplicaCount ?? 0);
      const [trigger, ...more] = spec?.triggers ?? [];
      expect(more).toEqual([]);
      expect(trigger?.type).toBe("prometheus");
      expect(Number(trigger?.metadata.threshold)).toBeGreaterThan(0);
      expect(trigger?.metadata.serverAddress).toMatch(/^https?:\/\//);
      const selector =
        /^sum\(max by \(state\) \(skyhook_queue_jobs\{queue="([^"]+)",state=~"([^"]+)"\}\)\)$/.exec(
          trigger?.metadata.query ?? "",
        );
      expect(selector?.[1], d.metadata?.name).toBe(queueLabel(queue));
      expect(selector?.[2]?.split("|").sort()).toEqual([
        "active",
        "delayed",
        "prioritized",
        "waiting",
      ]);
      return queue;
    });
    expect(consumed.sort()).toEqual(
      installedHandlers
        .map((h) => defaultCatalog.route(h.eventType, h.operation).queues.queue)
        .sort(),
    );
    expect(scaledObjects).toHaveLength(consumed.length);
  });

  it("matches the template skyhook new-handler writes a worker from, so added workers look alike", () => {
    const template = readFileSync(
      join(repoRoot, "apps/cli/templates/kubernetes-worker.yaml.tpl"),
      "utf8",
    );
    const queue = queueNamesFor("PNR_V3", "BOOKING_CREATED").queue;
    const values: Record<string, string> = {
      dir: "booking-created",
      eventType: "PNR_V3",
      operation: "BOOKING_CREATED",
      queue,
      queueLabel: queueLabel(queue),
    };
    const filled = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? "");
    expect(filled).toBe(readFileSync(join(base, "worker-booking-created.yaml"), "utf8"));
  });

  it("gives every process time to stop gracefully before the kubelet's SIGKILL", () => {
    for (const d of deployments) {
      const env = environmentOf(d);
      const graceMs = (d.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      const preStop = containerOf(d).lifecycle?.preStop?.exec?.command;
      const preStopMs = preStop?.[0] === "sleep" ? Number(preStop[1]) * 1000 : 0;
      const app = appOf(d);
      const needMs =
        app === "worker"
          ? loadWorkerConfig(env).shutdownTimeoutMs + shutdownExitMarginMs
          : app === "ingress"
            ? loadIngressConfig(env).shutdownTimeoutMs
            : loadDashboardConfig(env).shutdownTimeoutMs;
      expect(graceMs, d.metadata?.name).toBeGreaterThan(preStopMs + needMs);
    }
    const ingress = deploymentOf("ingress")[0];
    expect(containerOf(ingress as Deployment).lifecycle?.preStop?.exec?.command?.[0]).toBe("sleep");
  });

  it("keeps an ingress replica through voluntary disruptions, and only the ingress", () => {
    const ingress = deploymentOf("ingress")[0] as Deployment;
    expect(selects(pdb?.spec?.selector?.matchLabels, labelsOf(ingress))).toBe(true);
    for (const d of deployments.filter((other) => other !== ingress))
      expect(selects(pdb?.spec?.selector?.matchLabels, labelsOf(d)), d.metadata?.name).toBe(false);
    expect(pdb?.spec?.minAvailable).toBeLessThan(ingress.spec?.replicas ?? 1);
  });

  it("runs every container as the image's non-root user, read-only, with no privileges, requests and a memory limit", () => {
    expect(dockerUser).toBeGreaterThan(0);
    for (const d of deployments) {
      const pod = d.spec?.template.spec;
      const container = containerOf(d);
      expect(pod?.securityContext, d.metadata?.name).toMatchObject({
        runAsNonRoot: true,
        runAsUser: dockerUser,
      });
      expect(pod?.automountServiceAccountToken).toBe(false);
      expect(container.securityContext, d.metadata?.name).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(Object.keys(container.resources?.requests ?? {}).sort(), d.metadata?.name).toEqual([
        "cpu",
        "memory",
      ]);
      expect(container.resources?.limits?.memory, d.metadata?.name).toBeDefined();
    }
  });
});

describe("deploy/kubernetes/overlays/example", () => {
  const example = kustomization(overlay);

  it("references only files that exist, and the base", () => {
    expect(example.resources).toContain("../../base");
    const files = [
      ...example.resources,
      ...example.patches.flatMap((p) => (p.path === undefined ? [] : [p.path])),
      ...example.secretGenerator.flatMap((g) => g.envs),
    ];
    for (const file of files) expect(existsSync(join(overlay, file)), file).toBe(true);
    for (const file of example.resources.filter((f) => f.endsWith(".yaml")))
      for (const doc of documents(join(overlay, file)))
        expect(() => new Namespace(doc as never).validate()).not.toThrow();
    for (const file of baseKustomization.resources)
      expect(existsSync(join(base, file)), file).toBe(true);
  });

  it("sets the image, the ingress replicas and a Secret for every Secret the base refers to", () => {
    expect(example.images.map((i) => i.name)).toEqual(["skyhook"]);
    for (const { name } of example.replicas)
      expect(deployments.map((d) => d.metadata?.name)).toContain(name);
    const referred = new Set(
      deployments.flatMap((d) =>
        (containerOf(d).env ?? []).flatMap((v) => v.valueFrom?.secretKeyRef?.name ?? []),
      ),
    );
    expect([...overlaySecrets.keys()].sort()).toEqual([...referred].sort());
  });

  it("commits placeholders only, never a secret", () => {
    for (const [name, values] of overlaySecrets)
      for (const [key, value] of Object.entries(values)) {
        const readable = value.startsWith("whsec_")
          ? Buffer.from(value.slice("whsec_".length), "base64").toString("utf8")
          : value;
        expect(readable, `${name}.${key}`).toMatch(/replace-with/);
      }
  });
});

const kubectl = (() => {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(kubectl)("the example overlay rendered by kubectl kustomize", () => {
  const rendered = (): Manifest[] =>
    parseAllDocuments(execFileSync("kubectl", ["kustomize", overlay], { encoding: "utf8" })).map(
      (d) => d.toJS() as Manifest,
    );

  it("puts everything in its namespace, on the overlay's image, with the generated Secrets referred to", () => {
    const all = rendered() as Array<Manifest & { metadata: { namespace?: string } }>;
    const image = kustomization(overlay).images[0];
    const schemas = { ingress: IngressEnv, worker: WorkerEnv, dashboard: DashboardEnv };
    const secrets = all.filter((m) => m.kind === "Secret").map((m) => m.metadata.name);
    for (const m of all.filter((m) => m.kind !== "Namespace"))
      expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe("skyhook");
    for (const d of all.filter((m) => m.kind === "Deployment") as unknown as Deployment[]) {
      expect(() => new Deployment(d).validate()).not.toThrow();
      const container = containerOf(d);
      expect(container.image).toBe(`${image?.newName}:${image?.newTag}`);
      const known = Object.keys(schemas[appOf(d) as keyof typeof schemas].shape);
      const names = (container.env ?? []).map((v) => v.name);
      expect(
        names.filter((name) => !known.includes(name)),
        d.metadata?.name,
      ).toEqual([]);
      for (const v of container.env ?? []) {
        const ref = v.valueFrom?.secretKeyRef?.name;
        if (ref !== undefined) expect(secrets, `${d.metadata?.name} ${v.name}`).toContain(ref);
      }
    }
    const ingress = all.find(
      (m) => m.kind === "Deployment" && m.metadata.name === "skyhook-ingress",
    ) as unknown as Deployment;
    expect(ingress.spec?.replicas).toBe(3);
    expect(containerOf(ingress).env).toContainEqual({ name: "TRUST_PROXY", value: "1" });
  });
});

describe("the metric the ScaledObjects query, as a worker exports it", () => {
  const prefix = uniquePrefix("k8s");
  const redis = connect();
  let close: () => Promise<void> = async () => {};
  let opsUrl = "";

  beforeAll(async () => {
    const worker = await startWorkerWithOps({ QUEUE_PREFIX: prefix, ADOPT_BACKLOG: "false" });
    close = () => worker.close();
    opsUrl = worker.opsUrl;
  });
  afterAll(async () => {
    await close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it("has a series for every queue and state a ScaledObject names", async () => {
    const wanted = scaledObjects.flatMap((scaler) => {
      const query = scaler.spec.triggers[0]?.metadata.query ?? "";
      const queue = /queue="([^"]+)"/.exec(query)?.[1] ?? "";
      const states = /state=~"([^"]+)"/.exec(query)?.[1]?.split("|") ?? [];
      return states.map((state) => ({ queue, state }));
    });
    expect(wanted.length).toBe(4 * scaledObjects.length);
    // The worker reports its queues once its runtime consumes them, a moment after it starts.
    const missing = await waitFor("the queue gauges", async () => {
      const exported = await scrape(opsUrl);
      const absent = wanted.filter((w) => exported.find("skyhook_queue_jobs", w).length !== 1);
      return absent.length === 0 ? absent : undefined;
    });
    expect(missing).toEqual([]);
  });
});
