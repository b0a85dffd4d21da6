/**
 * Mutation testing of the modules that guard a delivery (`pnpm mutate`; not part of CI: one
 * run takes tens of minutes). How to read and extend it: docs/testing.md.
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export const config = {
  testRunner: "vitest",
  // Named explicitly: Stryker's default "@stryker-mutator/*" glob looks beside its own install,
  // where pnpm's isolated node_modules has no runner.
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts" },
  coverageAnalysis: "perTest",
  // The machines are shared: one test process at a time.
  concurrency: 1,
  mutate: [
    "apps/ingress/src/auth/verify-signature.ts",
    "apps/ingress/src/delivery/credentials.ts",
    "apps/ingress/src/auth/access-tokens.ts",
    "apps/ingress/src/delivery/delivery-id.ts",
    "packages/queue-kit/src/enqueuer.ts",
    "packages/queue-kit/src/job-options.ts",
    "packages/queue-kit/src/dead-letter-writer.ts",
    "apps/worker/src/decide-fate.ts",
    "apps/worker/src/apply-fate.ts",
    "apps/worker/src/fate-observers.ts",
    "apps/worker/src/processor.ts",
    "apps/worker/src/entity-guard.ts",
    "packages/contracts/src/entity-order.ts",
  ],
  // Stryker rewrites the sandbox's tsconfig with the `typescript` JS API, which TypeScript 7
  // (native tsc) no longer has. The sandbox keeps the project's layout, so its tsconfig paths
  // stay valid unrewritten: point the rewrite at a file that does not exist to skip it.
  tsconfigFile: "tsconfig.not-rewritten.json",
  ignorePatterns: [".data", "coverage", "reports", ".vitest-report.json"],
  tempDirName: ".stryker-tmp",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  timeoutMS: 20_000,
  thresholds: { high: 90, low: 85, break: null },
};
export default config;
