import type { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { connects, namespaceNamed, type Pod, selectorMatches } from "./network-policy.ts";

/** The NetworkPolicy reading test/kubernetes.test.ts relies on, on the API's own examples. */
const app = namespaceNamed("app");
const other = namespaceNamed("other", { team: "ops" });
const pod = (namespace = app, labels: Record<string, string> = { role: "db" }): Pod => ({
  namespace,
  labels,
  ports: [{ name: "db", containerPort: 5432 }],
});
const policy = (spec: NetworkPolicy["spec"]): NetworkPolicy =>
  ({ metadata: { name: "p", namespace: "app" }, spec }) as NetworkPolicy;

describe("the NetworkPolicy evaluator", () => {
  it("leaves a pod no policy selects open, and isolates one a policy selects", () => {
    const isolateDb = policy({ podSelector: { matchLabels: { role: "db" } } });
    expect(connects([], "outside", pod(), 5432)).toBe(true);
    expect(connects([isolateDb], "outside", pod(), 5432)).toBe(false);
    expect(connects([isolateDb], "outside", pod(app, { role: "web" }), 5432)).toBe(true);
    // Without policyTypes a policy with no egress rules isolates ingress only.
    expect(connects([isolateDb], pod(), "outside", 443)).toBe(true);
  });

  it("reads a podSelector peer as this namespace, a namespaceSelector with it as AND, two peers as OR", () => {
    const and = policy({
      podSelector: {},
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { team: "ops" } },
              podSelector: { matchLabels: { r: "a" } },
            },
          ],
        },
      ],
    });
    const or = policy({
      podSelector: {},
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: "ops" } } },
            { podSelector: { matchLabels: { r: "a" } } },
          ],
        },
      ],
    });
    expect(connects([and], pod(other, { r: "a" }), pod(), 5432)).toBe(true);
    expect(connects([and], pod(other, { r: "b" }), pod(), 5432)).toBe(false);
    expect(connects([and], pod(app, { r: "a" }), pod(), 5432)).toBe(false);
    expect(connects([or], pod(other, { r: "b" }), pod(), 5432)).toBe(true);
    expect(connects([or], pod(app, { r: "a" }), pod(), 5432)).toBe(true);
    expect(connects([or], pod(namespaceNamed("x"), { r: "a" }), pod(), 5432)).toBe(false);
  });

  it("resolves a named port on the destination pod, and matches the protocol", () => {
    const named = policy({ podSelector: {}, ingress: [{ ports: [{ port: "db" }] }] });
    expect(connects([named], "outside", pod(), 5432)).toBe(true);
    expect(connects([named], "outside", pod(), 5433)).toBe(false);
    expect(connects([named], "outside", pod(), 5432, "UDP")).toBe(false);
    const egress = policy({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
    });
    expect(connects([egress], pod(), "outside", 53, "UDP")).toBe(true);
    expect(connects([egress], pod(), "outside", 53, "TCP")).toBe(false);
    expect(connects([egress], pod(), pod(other), 5432)).toBe(false);
  });

  it("selects by In and Exists expressions, and `{}` selects everything", () => {
    const labels = { tier: "a", env: "prod" };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] },
        labels,
      ),
    ).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels),
    ).toBe(false);
  });
});
