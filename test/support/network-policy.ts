import type { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";

/**
 * What a set of NetworkPolicies lets through, by the Kubernetes API's rules: a pod selected by
 * a policy of a direction's type is isolated in that direction, and then only what some rule
 * of a selecting policy allows passes; a connection between two pods needs the source's egress
 * and the destination's ingress. Outside addresses are matched by rules without peers only
 * (the manifests name no address block).
 */

export type LabelSelector = {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?:
    | Array<{ key: string; operator: string; values?: string[] | undefined }>
    | undefined;
};

export type Namespace = { name: string; labels: Record<string, string> };
export type Pod = {
  namespace: Namespace;
  labels: Record<string, string>;
  ports: Array<{ name?: string | undefined; containerPort: number; protocol?: string | undefined }>;
};
/** A pod, or an address outside the cluster. */
export type Endpoint = Pod | "outside";

export const namespaceNamed = (name: string, labels: Record<string, string> = {}): Namespace => ({
  name,
  labels: { ...labels, "kubernetes.io/metadata.name": name },
});

/** A label selector's verdict; `{}` selects everything. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(
    ({ key, operator, values = [] }) => {
      if (operator === "In") return labels[key] !== undefined && values.includes(labels[key]);
      if (operator === "NotIn") return labels[key] === undefined || !values.includes(labels[key]);
      if (operator === "Exists") return key in labels;
      if (operator === "DoesNotExist") return !(key in labels);
      throw new Error(`no label selector operator ${operator}`);
    },
  );
  return byLabels && byExpressions;
}

type Peer = NonNullable<NonNullable<NetworkPolicy["spec"]>["ingress"]>[number]["from"];
type Ports = NonNullable<NonNullable<NetworkPolicy["spec"]>["ingress"]>[number]["ports"];
type Direction = "Ingress" | "Egress";

const namespaceOf = (policy: NetworkPolicy) => policy.metadata?.namespace ?? "default";

function peerMatches(policy: NetworkPolicy, peers: Peer, other: Endpoint): boolean {
  if (peers === undefined || peers.length === 0) return true;
  return peers.some((peer) => {
    if (peer.ipBlock !== undefined) {
      if (!peer.ipBlock.cidr.endsWith("/0") || (peer.ipBlock.except ?? []).length > 0)
        throw new Error(`${policy.metadata?.name}: address blocks other than /0 are not modelled`);
      return true;
    }
    if (other === "outside") return false;
    const namespaceOk =
      peer.namespaceSelector === undefined
        ? other.namespace.name === namespaceOf(policy)
        : selectorMatches(peer.namespaceSelector, other.namespace.labels);
    const podOk = peer.podSelector === undefined || selectorMatches(peer.podSelector, other.labels);
    return namespaceOk && podOk;
  });
}

/** A named port names the destination pod's port; an address outside has no names. */
function portMatches(ports: Ports, destination: Endpoint, port: number, protocol: string): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "number") return port >= p.port && port <= (p.endPort ?? p.port);
    if (destination === "outside") return false;
    return destination.ports.some(
      (c) => c.name === p.port && c.containerPort === port && (c.protocol ?? "TCP") === protocol,
    );
  });
}

const typesOf = (policy: NetworkPolicy): Direction[] =>
  (policy.spec?.policyTypes as Direction[] | undefined) ??
  (policy.spec?.egress === undefined ? ["Ingress"] : ["Ingress", "Egress"]);

const rulesOf = (policy: NetworkPolicy, direction: Direction) =>
  direction === "Ingress"
    ? (policy.spec?.ingress ?? []).map((rule) => ({ peers: rule.from, ports: rule.ports }))
    : (policy.spec?.egress ?? []).map((rule) => ({ peers: rule.to, ports: rule.ports }));

/** Whether `pod`'s policies let this connection pass on its side (`direction`). */
function allows(
  policies: NetworkPolicy[],
  direction: Direction,
  pod: Pod,
  other: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: string,
): boolean {
  const selecting = policies.filter(
    (p) =>
      namespaceOf(p) === pod.namespace.name &&
      typesOf(p).includes(direction) &&
      selectorMatches(p.spec?.podSelector ?? {}, pod.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    rulesOf(policy, direction).some(
      (rule) =>
        peerMatches(policy, rule.peers, other) &&
        portMatches(rule.ports, destination, port, protocol),
    ),
  );
}

/** Whether `from` can open a connection to `to` on `port`. */
export function connects(
  policies: NetworkPolicy[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = "TCP",
): boolean {
  const leaves = from === "outside" || allows(policies, "Egress", from, to, to, port, protocol);
  const enters = to === "outside" || allows(policies, "Ingress", to, from, to, port, protocol);
  return leaves && enters;
}
