import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadDashboardConfig } from "@skyhook/dashboard";
import { loadIngressConfig } from "@skyhook/ingress";
import { loadWorkerConfig } from "@skyhook/worker";
import type { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { kustomize, type Manifest } from "./kustomize.ts";

/** Reading Skyhook's Kubernetes manifests the way its processes and the cluster would. */

export const containerOf = (d: Deployment) => {
  const [container, ...others] = d.spec?.template.spec?.containers ?? [];
  if (container === undefined || others.length > 0)
    throw new Error(`${d.metadata?.name}: expected one container`);
  return container;
};
export const appOf = (d: Deployment) =>
  /^apps\/(\w+)\/src\/main\.ts$/.exec(containerOf(d).command?.[1] ?? "")?.[1];
export const labelsOf = (d: Deployment) => d.spec?.template.metadata?.labels ?? {};
export const portNamed = (d: Deployment, name: string | number | undefined) =>
  containerOf(d).ports?.find((p) => p.name === name)?.containerPort;

/** Where a container's `envFrom` and `secretKeyRef`s are looked up. */
export type EnvSources = {
  configMap: (name: string) => Record<string, string> | undefined;
  secret: (name: string) => Record<string, string> | undefined;
};

/** What the container's process sees: the ConfigMaps it loads, then its own variables. */
export function environmentOf(d: Deployment, sources: EnvSources): Record<string, string> {
  const container = containerOf(d);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const data = sources.configMap(source.configMapRef?.name ?? "");
    if (data === undefined)
      throw new Error(`${d.metadata?.name}: no ConfigMap ${source.configMapRef?.name}`);
    Object.assign(env, data);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref === undefined) {
      env[variable.name] = variable.value ?? "";
      continue;
    }
    const value = sources.secret(ref.name ?? "")?.[ref.key];
    if (value === undefined && ref.optional !== true)
      throw new Error(`${d.metadata?.name}: no ${ref.key} in the Secret ${ref.name}`);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** The ConfigMaps and Secrets of a rendered kustomization, Secrets decoded. */
export function renderedSources(all: Manifest[]): EnvSources {
  const find = (kind: string, name: string) =>
    all.find((m) => m.kind === kind && m.metadata.name === name) as
      | (Manifest & { data?: Record<string, string> })
      | undefined;
  return {
    configMap: (name) => find("ConfigMap", name)?.data,
    secret: (name) => {
      const data = find("Secret", name)?.data;
      return data === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
          );
    },
  };
}

/** The ports each process's own config loader listens on, by the name its manifest gives them. */
export function listeningPorts(d: Deployment, env: Record<string, string>) {
  const app = appOf(d);
  if (app === "ingress") {
    const config = loadIngressConfig(env);
    return { http: config.port, ops: config.ops.port };
  }
  if (app === "dashboard") return { http: loadDashboardConfig(env).port, ops: undefined };
  return { http: undefined, ops: loadWorkerConfig(env).ops.port };
}

/** Every port a process reaches Redis on, as its config loader reads REDIS_*. */
export function redisPortsOf(d: Deployment, env: Record<string, string>): number[] {
  const app = appOf(d);
  const { redis } =
    app === "ingress"
      ? loadIngressConfig(env)
      : app === "dashboard"
        ? loadDashboardConfig(env)
        : loadWorkerConfig(env);
  const nodes = [...(redis.clusterNodes ?? []), ...(redis.sentinels ?? [])];
  if (nodes.length > 0) return [...new Set(nodes.map((n) => n.port))];
  return [Number(new URL(redis.url).port || 6379)];
}

/** The namespace of an in-cluster Service address (`name.namespace.svc…`). */
export const serviceNamespace = (url: string) =>
  /^[^.]+\.([^.]+)\.svc(\.|$)/.exec(new URL(url).hostname)?.[1];

/**
 * An overlay of `base` in namespace `skyhook` with `components`, written to a temp dir
 * (kustomize takes relative paths only) and rendered by `render`; the dir is gone afterwards.
 */
export function withOverlay<T>(base: string, components: string[], render: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "skyhook-overlay-"));
  try {
    const lines = [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "namespace: skyhook",
      "resources:",
      `  - ${relative(dir, base)}`,
      "components:",
      ...components.map((c) => `  - ${relative(dir, c)}`),
    ];
    writeFileSync(join(dir, "kustomization.yaml"), `${lines.join("\n")}\n`);
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const renderWith = (base: string, components: string[]) =>
  withOverlay(base, components, (dir) => kustomize(dir));
