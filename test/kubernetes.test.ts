import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
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
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { configErrorOf } from "./support/config-error.ts";
import { dockerfileStages, last } from "./support/dockerfile.ts";
import { startWorkerWithOps } from "./support/in-process.ts";
import {
  appOf,
  containerOf,
  environmentOf,
  labelsOf,
  listeningPorts,
  portNamed,
  redisPortsOf,
  renderedSources,
  renderWith,
  serviceNamespace,
  withOverlay,
} from "./support/kubernetes-manifests.ts";
import { kustomize, type Manifest, readKustomization } from "./support/kustomize.ts";
import {
  connects,
  type Endpoint,
  namespaceNamed,
  type Pod,
  selectorMatches,
} from "./support/network-policy.ts";
import { repoRoot } from "./support/processes.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { isSecretVariable, withGeneratedSecrets } from "./support/shipped-secrets.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * No cluster runs here, so deploy/kubernetes is checked the way docker-compose.yml is: the
 * kustomizations rendered as `kubectl kustomize` would (support/kustomize.ts, held to kubectl
 * itself where one is installed), every manifest validated against the Kubernetes (and KEDA)
 * schemas by kubernetes-models, each container's environment — ConfigMap, values, and the
 * example overlay's Secrets — passed through the very loader its process runs, its ports and
 * probes against what that config listens on, each worker's ScaledObject against the queue the
 * contracts name for it, and the NetworkPolicies by what they let through.
 */
const base = join(repoRoot, "deploy/kubernetes/base");
const overlay = join(repoRoot, "deploy/kubernetes/overlays/example");
const components = join(repoRoot, "deploy/kubernetes/components");
const tracingComponent = join(components, "otlp-tracing");
const dashboardComponent = join(components, "dashboard-ingress-controller");

const documents = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Manifest);

const baseKustomization = readKustomization(base);
/** The base as `kubectl kustomize deploy/kubernetes/base` renders it. */
const manifests = kustomize(base);
const ofKind = <T>(kind: string, from: Manifest[] = manifests) =>
  from.filter((m) => m.kind === kind) as unknown as T[];

const deployments = ofKind<Deployment>("Deployment");
const services = ofKind<Service>("Service");
const scaledObjects = ofKind<ScaledObject>("ScaledObject");
const [pdb] = ofKind<PodDisruptionBudget>("PodDisruptionBudget");
const [configMap] = ofKind<ConfigMap>("ConfigMap");

const deploymentOf = (app: string) => deployments.filter((d) => appOf(d) === app);
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** KEY=value lines of the overlay's generated Secrets, by Secret name, as shipped. */
const shippedSecrets = new Map(
  readKustomization(overlay).secretGenerator.map((generator) => [
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
/** The overlay's Secrets filled in: every secret generated, as the overlay asks the operator to. */
const overlaySecrets = new Map(
  [...shippedSecrets].map(([name, vars]) => [name, withGeneratedSecrets(vars)]),
);

/** What a base container's process sees: the base's ConfigMap, the overlay's Secrets. */
const baseEnvironmentOf = (d: Deployment, secrets = overlaySecrets) =>
  environmentOf(d, {
    configMap: (name) => {
      expect(name).toBe(configMap?.metadata?.name);
      return configMap?.data ?? undefined;
    },
    secret: (name) => secrets.get(name),
  });
const namesOf = (d: Deployment) => [
  ...Object.keys(configMap?.data ?? {}),
  ...(containerOf(d).env ?? []).map((v) => v.name),
];

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
      "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
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
    const ingress = loadIngressConfig(baseEnvironmentOf(deploymentOf("ingress")[0] as Deployment));
    expect(ingress.nodeEnv).toBe("production");
    expect(ingress.subscriptions[0]?.hmac).toBeDefined();
    const dashboardEnv = baseEnvironmentOf(deploymentOf("dashboard")[0] as Deployment);
    const dashboard = loadDashboardConfig(dashboardEnv);
    expect(dashboard.devDefaultsInUse).toEqual([]);
    expect(dashboard.auth.mode === "basic" && dashboard.auth.users.map((u) => u.role)).toEqual([
      "viewer",
    ]);
    const placeholder = shippedSecrets.get("skyhook-dashboard")?.DASHBOARD_PASSWORD;
    expect(() => loadDashboardConfig({ ...dashboardEnv, DASHBOARD_PASSWORD: placeholder })).toThrow(
      /DASHBOARD_PASSWORD: looks like a placeholder/,
    );
    for (const d of deploymentOf("worker"))
      expect(loadWorkerConfig(baseEnvironmentOf(d)).nodeEnv).toBe("production");
  });

  it("refuses, in the ingress's production config, every secret the example overlay ships, naming the variable", () => {
    const ingress = deploymentOf("ingress")[0] as Deployment;
    const refs = (containerOf(ingress).env ?? []).flatMap((variable) => {
      const ref = variable.valueFrom?.secretKeyRef;
      const shipped = shippedSecrets.get(ref?.name ?? "")?.[ref?.key ?? ""];
      return ref === undefined || shipped === undefined || !isSecretVariable(ref.key)
        ? []
        : [{ secret: ref.name ?? "", key: ref.key, variable: variable.name, shipped }];
    });
    expect(refs.map((r) => r.variable).sort()).toEqual([
      "REDIS_URL",
      "SPOTNANA_CLIENT_SECRET",
      "SPOTNANA_SIGNING_SECRETS",
      "TOKEN_SIGNING_KEY",
    ]);
    for (const ref of refs) {
      const secrets = new Map(overlaySecrets);
      secrets.set(ref.secret, { ...overlaySecrets.get(ref.secret), [ref.key]: ref.shipped });
      const error = configErrorOf(() => loadIngressConfig(baseEnvironmentOf(ingress, secrets)));
      expect(error.problems.length, ref.variable).toBeGreaterThan(0);
      for (const problem of error.problems)
        expect(problem, ref.variable).toMatch(new RegExp(`^${ref.variable}`));
      expect(error.message).not.toContain(ref.shipped);
    }
  });

  it("listens where the ports, probes and Services say", () => {
    for (const d of deployments) {
      const env = baseEnvironmentOf(d);
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
        loadWorkerConfig(baseEnvironmentOf(d)).operations,
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
    expect(filled).toBe(
      readFileSync(join(base, "workers/booking-created/kustomization.yaml"), "utf8"),
    );
  });

  it("writes the worker once and each kind in a few lines: its name, its operations, its queue", () => {
    const kinds = readdirSync(join(base, "workers")).sort();
    expect(baseKustomization.resources.filter((r) => r.startsWith("worker")).sort()).toEqual(
      kinds.map((kind) => `workers/${kind}`),
    );
    for (const kind of kinds) {
      const k = readKustomization(join(base, "workers", kind));
      expect(k.resources, kind).toEqual(["../../worker"]);
      expect(k.nameSuffix, kind).toBe(`-${kind}`);
      expect(k.labels, kind).toEqual([
        { pairs: { "skyhook/worker": kind }, includeSelectors: true, includeTemplates: false },
      ]);
      expect(k.patches.map((p) => p.target?.kind).sort(), kind).toEqual([
        "Deployment",
        "ScaledObject",
      ]);
      const [written] = documents(join(base, "workers", kind, "kustomization.yaml"));
      expect(Object.keys(written ?? {}).sort(), kind).toEqual([
        "apiVersion",
        "kind",
        "labels",
        "nameSuffix",
        "patches",
        "resources",
      ]);
    }
    const template = readFileSync(
      join(repoRoot, "apps/cli/templates/kubernetes-worker.yaml.tpl"),
      "utf8",
    );
    expect(template.trimEnd().split("\n").length).toBeLessThan(30);
    // The one worker is never deployed unnamed: only the kinds' kustomizations list it.
    expect(baseKustomization.resources).not.toContain("worker");
    expect(deployments.map((d) => d.metadata?.name)).not.toContain("skyhook-worker");
  });

  it("gives every process time to stop gracefully before the kubelet's SIGKILL", () => {
    for (const d of deployments) {
      const env = baseEnvironmentOf(d);
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
  const example = readKustomization(overlay);

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
    for (const [name, values] of shippedSecrets)
      for (const [key, value] of Object.entries(values)) {
        const readable = value.startsWith("whsec_")
          ? Buffer.from(value.slice("whsec_".length), "base64").toString("utf8")
          : value;
        expect(readable, `${name}.${key}`).toMatch(/replace-with/);
      }
  });
});

describe("the NetworkPolicies, as the example overlay renders them", () => {
  const rendered = kustomize(overlay);
  const policiesOf = (all: Manifest[]) => ofKind<NetworkPolicy>("NetworkPolicy", all);
  const policies = policiesOf(rendered);
  const workloads = ofKind<Deployment>("Deployment", rendered);
  const namespace = namespaceNamed(readKustomization(overlay).namespace ?? "default");
  const elsewhere = namespaceNamed("elsewhere");
  const podOf = (d: Deployment): Pod => ({
    namespace,
    labels: labelsOf(d),
    ports: containerOf(d).ports ?? [],
  });
  const stranger = (ns = namespace): Pod => ({
    namespace: ns,
    labels: { "app.kubernetes.io/name": "something-else" },
    ports: [{ name: "http", containerPort: 8080 }],
  });
  /**
   * Rendered Secrets filled in as an operator would (the shipped placeholders are refused in
   * production); a rendering without the overlay's Secret generator takes them by name.
   */
  const envOf = (d: Deployment, all = rendered) => {
    const found = renderedSources(all);
    return environmentOf(d, {
      configMap: found.configMap,
      secret: (name) => {
        const shipped = found.secret(name);
        return shipped === undefined ? overlaySecrets.get(name) : withGeneratedSecrets(shipped);
      },
    });
  };
  const named = (ds: Deployment[]) => ds.map((d) => d.metadata?.name ?? "").sort();
  const ofApp = (app: string) => workloads.filter((d) => appOf(d) === app);
  const [ingress] = ofApp("ingress");
  const [dashboard] = ofApp("dashboard");
  const workers = ofApp("worker");
  // The Prometheus that KEDA asks for the backlog, in the namespace its address names.
  const serverAddress = ofKind<ScaledObject>("ScaledObject", rendered)[0]?.spec.triggers[0]
    ?.metadata.serverAddress;
  const prometheus: Pod = {
    namespace: namespaceNamed(serviceNamespace(serverAddress ?? "http://none") ?? "none"),
    labels: { "app.kubernetes.io/name": "prometheus" },
    ports: [{ name: "web", containerPort: 9090 }],
  };
  const redisPorts = [...new Set(workloads.flatMap((d) => redisPortsOf(d, envOf(d))))];
  const redis: Pod = {
    namespace,
    labels: { "app.kubernetes.io/name": "redis" },
    ports: redisPorts.map((containerPort) => ({ name: "redis", containerPort })),
  };

  it("each parses and selects the pods it means", () => {
    if (ingress === undefined || dashboard === undefined)
      throw new Error("no ingress or dashboard");
    const all = named(workloads);
    const meant: Record<string, string[]> = {
      "skyhook-default-deny": all,
      "skyhook-ingress-public": named([ingress]),
      "skyhook-ops-from-monitoring": named([ingress, ...workers]),
      "skyhook-dashboard-in-namespace": named([dashboard]),
      "skyhook-egress-redis": all,
      "skyhook-egress-dns": all,
      "skyhook-worker-egress": named(workers),
      "skyhook-redis": [],
    };
    expect(policies.map((p) => p.metadata?.name).sort()).toEqual(Object.keys(meant).sort());
    for (const policy of policies) {
      const name = policy.metadata?.name ?? "";
      expect(() => new NetworkPolicy(policy).validate(), name).not.toThrow();
      const podSelector = policy.spec?.podSelector ?? {};
      expect(
        named(workloads.filter((d) => selectorMatches(podSelector, labelsOf(d)))),
        name,
      ).toEqual(meant[name]);
      expect(selectorMatches(podSelector, redis.labels), name).toBe(name === "skyhook-redis");
    }
    expect(workers.length).toBe(installedHandlers.length);
  });

  it("names the ports the containers listen on, as their config loaders read them", () => {
    for (const policy of policies)
      for (const rule of policy.spec?.ingress ?? [])
        for (const { port } of rule.ports ?? []) {
          const selected = workloads.filter((d) =>
            selectorMatches(policy.spec?.podSelector ?? {}, labelsOf(d)),
          );
          for (const d of selected) {
            const listening = listeningPorts(d, envOf(d));
            expect(typeof port, `${policy.metadata?.name}: a port name`).toBe("string");
            expect(portNamed(d, port), `${policy.metadata?.name} ${d.metadata?.name}`).toBe(
              listening[port as keyof typeof listening],
            );
            expect(listening[port as keyof typeof listening]).toBeGreaterThan(0);
          }
        }
    const redisPolicy = policies.find((p) => p.metadata?.name === "skyhook-egress-redis");
    expect(redisPolicy?.spec?.egress?.flatMap((r) => r.ports?.map((p) => p.port))).toEqual(
      redisPorts,
    );
    expect(redisPorts).toEqual([6380]);
  });

  it("lets nothing from outside the namespace reach a Skyhook pod but the ingress's public port", () => {
    for (const d of workloads)
      for (const { name, containerPort } of [
        ...(containerOf(d).ports ?? []),
        { containerPort: 22 },
      ])
        for (const source of ["outside", stranger(elsewhere)] as Endpoint[])
          expect(
            connects(policies, source, podOf(d), containerPort),
            `${d.metadata?.name}:${containerPort}`,
          ).toBe(appOf(d) === "ingress" && name === "http");
  });

  it("opens the ops ports to the namespace of the Prometheus KEDA asks, and to no other pod", () => {
    expect(serverAddress).toMatch(/^https?:\/\/[^.]+\.[^.]+\.svc/);
    for (const d of [ingress, ...workers] as Deployment[]) {
      const ops = listeningPorts(d, envOf(d)).ops ?? 0;
      expect(connects(policies, prometheus, podOf(d), ops), d.metadata?.name).toBe(true);
      for (const other of [stranger(), stranger(elsewhere), podOf(dashboard as Deployment)])
        expect(connects(policies, other, podOf(d), ops), d.metadata?.name).toBe(false);
    }
  });

  it("keeps the dashboard to the pods of its namespace, unless an overlay adds the ingress controller's", () => {
    const d = dashboard as Deployment;
    const http = listeningPorts(d, envOf(d)).http ?? 0;
    const controller: Pod = { ...stranger(namespaceNamed("ingress-nginx")) };
    expect(connects(policies, stranger(), podOf(d), http)).toBe(true);
    // Of Skyhook's own pods only workers may open connections anywhere (their egress is open).
    for (const w of workloads)
      expect(connects(policies, podOf(w), podOf(d), http), w.metadata?.name).toBe(
        appOf(w) === "worker",
      );
    for (const other of [prometheus, controller, stranger(elsewhere), "outside"] as Endpoint[])
      expect(connects(policies, other, podOf(d), http)).toBe(false);

    const opted = renderWith(base, [dashboardComponent]);
    const withController = policiesOf(opted);
    expect(withController.length).toBe(policies.length + 1);
    expect(connects(withController, controller, podOf(d), http)).toBe(true);
    for (const w of [ingress, ...workers] as Deployment[])
      for (const { containerPort } of containerOf(w).ports ?? [])
        expect(connects(withController, controller, podOf(w), containerPort)).toBe(
          appOf(w) === "ingress" && containerPort === portNamed(w, "http"),
        );
  });

  it("lets only Skyhook's pods, and Redis's own, reach a Redis in the namespace", () => {
    for (const port of redisPorts) {
      for (const d of workloads) expect(connects(policies, podOf(d), redis, port)).toBe(true);
      expect(connects(policies, redis, redis, port)).toBe(true);
      for (const other of [stranger(), stranger(elsewhere), prometheus, "outside"] as Endpoint[])
        expect(connects(policies, other, redis, port)).toBe(false);
    }
  });

  it("lets the ingress and the dashboard reach Redis (on REDIS_URL's port) and DNS only; workers anything", () => {
    for (const d of workloads) {
      const worker = appOf(d) === "worker";
      for (const port of redisPortsOf(d, envOf(d)))
        expect(connects(policies, podOf(d), "outside", port), d.metadata?.name).toBe(true);
      expect(connects(policies, podOf(d), "outside", 53, "UDP")).toBe(true);
      expect(connects(policies, podOf(d), "outside", 53, "TCP")).toBe(true);
      expect(connects(policies, podOf(d), "outside", 443), d.metadata?.name).toBe(worker);
      expect(connects(policies, podOf(d), "outside", 6379), d.metadata?.name).toBe(worker);
      expect(connects(policies, podOf(d), prometheus, 9090), d.metadata?.name).toBe(worker);
    }
  });

  it("with the otlp-tracing component, lets the ingress and the workers reach the collector their endpoint names, on its port only", () => {
    const traced = renderWith(base, [tracingComponent]);
    const tracedPolicies = policiesOf(traced);
    for (const d of ofKind<Deployment>("Deployment", traced)) {
      const env = envOf(d, traced);
      const app = appOf(d);
      const known = Object.keys(
        (app === "ingress" ? IngressEnv : app === "worker" ? WorkerEnv : DashboardEnv).shape,
      );
      expect(Object.keys(env).filter((name) => !known.includes(name))).toEqual([]);
      if (app === "dashboard") {
        expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
        continue;
      }
      const tracing =
        app === "ingress" ? loadIngressConfig(env).tracing : loadWorkerConfig(env).tracing;
      const [exporter] = tracing.enabled ? tracing.exporters : [];
      if (exporter?.kind !== "otlp") throw new Error(`${d.metadata?.name}: no OTLP exporter`);
      const url = new URL(exporter.url);
      const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
      const collector = (ns: string): Pod => ({
        namespace: namespaceNamed(ns),
        labels: { "app.kubernetes.io/name": "otel-collector" },
        ports: [{ name: "otlp-http", containerPort: port }],
      });
      const there = serviceNamespace(exporter.url) ?? "";
      expect(connects(tracedPolicies, podOf(d), collector(there), port), d.metadata?.name).toBe(
        true,
      );
      expect(connects(policies, podOf(d), collector(there), port)).toBe(app === "worker");
      if (app === "ingress") {
        expect(connects(tracedPolicies, podOf(d), collector("elsewhere"), port)).toBe(false);
        expect(connects(tracedPolicies, podOf(d), collector(there), port + 1)).toBe(false);
      }
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
  const kubectlKustomize = (dir: string): Manifest[] =>
    parseAllDocuments(execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" })).map(
      (d) => d.toJS() as Manifest,
    );
  const rendered = () => kubectlKustomize(overlay);

  it("renders the base, the example overlay and the components as the emulation the other tests use does", () => {
    // Generated names end in a content hash whose digits the emulation does not reproduce, and
    // kubectl wraps long base64 values; neither changes what a process sees.
    const comparable = (all: Manifest[]) =>
      new Map(
        all.map((m) => {
          const text = JSON.stringify(m).replace(/(skyhook-[a-z-]+?)-[a-z0-9]{10}"/g, '$1-<hash>"');
          const normal = JSON.parse(text) as Manifest & { data?: Record<string, string> };
          if (normal.kind === "Secret" && normal.data !== undefined)
            for (const key of Object.keys(normal.data))
              normal.data[key] = normal.data[key]?.replace(/\s/g, "") ?? "";
          return [`${normal.kind} ${normal.metadata.name}`, normal];
        }),
      );
    const both = (dir: string) => {
      const real = comparable(kubectlKustomize(dir));
      const emulated = comparable(kustomize(dir));
      expect([...emulated.keys()].sort(), dir).toEqual([...real.keys()].sort());
      for (const [id, manifest] of real) expect(emulated.get(id), id).toEqual(manifest);
    };
    both(base);
    both(overlay);
    both(join(base, "workers/flight-cancelled"));
    withOverlay(base, [tracingComponent, dashboardComponent], both);
  });

  it("puts everything in its namespace, on the overlay's image, with the generated Secrets referred to", () => {
    const all = rendered() as Array<Manifest & { metadata: { namespace?: string } }>;
    const image = readKustomization(overlay).images[0];
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
