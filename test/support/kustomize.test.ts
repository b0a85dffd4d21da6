import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KustomizeError, kustomize } from "./kustomize.ts";

/**
 * The emulation's semantics on small kustomizations. Each expected render is what
 * `kubectl kustomize` (kustomize v5.5) printed for the same files.
 */
const root = mkdtempSync(join(tmpdir(), "skyhook-kustomize-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let cases = 0;
function tree(files: Record<string, string>): string {
  const dir = join(root, String(cases++));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const deployment = (name: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: a
          image: i
          env:
            - name: E1
              value: "1"
            - name: E2
              value: "2"
${extra}`;

describe("the kustomize emulation", () => {
  it("merges a strategic patch's list items by key, the patch's first and in its order", () => {
    const dir = tree({
      "kustomization.yaml": "resources: [d.yaml]\npatches:\n  - path: p.yaml\n",
      "d.yaml": deployment("x"),
      "p.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    spec:
      containers:
        - name: b
          image: j
        - name: a
          env:
            - name: N1
              value: n1
            - name: E2
              value: changed
`,
    });
    const [rendered] = kustomize(dir) as unknown as Array<{
      spec: { template: { spec: unknown } };
    }>;
    expect(rendered?.spec.template.spec).toEqual({
      containers: [
        { name: "b", image: "j" },
        {
          name: "a",
          image: "i",
          env: [
            { name: "N1", value: "n1" },
            { name: "E2", value: "changed" },
            { name: "E1", value: "1" },
          ],
        },
      ],
    });
  });

  it("resolves a name two suffixed copies of one base shared to the copy with the referrer's suffix", () => {
    const kind = (suffix: string) => `resources: [../../one]\nnameSuffix: -${suffix}\n`;
    const dir = tree({
      "kustomization.yaml": "resources: [kinds/a, kinds/b]\n",
      "kinds/a/kustomization.yaml": kind("a"),
      "kinds/b/kustomization.yaml": kind("b"),
      "one/kustomization.yaml": "resources: [d.yaml, s.yaml]\nconfigurations: [c.yaml]\n",
      "one/d.yaml": deployment("w"),
      "one/s.yaml":
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: w\nspec:\n  scaleTargetRef:\n    name: w\n",
      "one/c.yaml":
        "nameReference:\n  - kind: Deployment\n    fieldSpecs:\n      - kind: ScaledObject\n        path: spec/scaleTargetRef/name\n",
    });
    const targets = kustomize(dir)
      .filter((m) => m.kind === "ScaledObject")
      .map((m) => [
        m.metadata.name,
        (m.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
      ]);
    expect(targets).toEqual([
      ["w-a", "w-a"],
      ["w-b", "w-b"],
    ]);
  });

  it("refuses a field or a kind it does not model instead of rendering it wrongly", () => {
    const field = tree({
      "kustomization.yaml": "resources: [d.yaml]\nreplacements: []\n",
      "d.yaml": deployment("x"),
    });
    expect(() => kustomize(field)).toThrow(KustomizeError);
    const kind = tree({
      "kustomization.yaml": "resources: [s.yaml]\n",
      "s.yaml": deployment("x").replace("kind: Deployment", "kind: StatefulSet"),
    });
    expect(() => kustomize(kind)).toThrow(/does not model StatefulSet/);
  });
});
