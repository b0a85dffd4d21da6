import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The vitest config Stryker runs (`pnpm mutate`), not the one CI runs. Stryker copies the
 * project into a sandbox and mutates the copy, but the workspace links in node_modules point
 * back at the original packages, so every `@skyhook/*` import is aliased to the sandbox's own
 * source: otherwise a test reaching a mutated module through a package import would run the
 * unmutated original and every such mutant would survive. Only the tests that exercise the
 * mutated modules in-process are included: a spawned app process never sees the active mutant.
 */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const workspacePackages = {
  "@skyhook/booking-store": "packages/booking-store",
  "@skyhook/contracts": "packages/contracts",
  "@skyhook/handler-kit": "packages/handler-kit",
  "@skyhook/queue-kit": "packages/queue-kit",
  "@skyhook/service-kit": "packages/service-kit",
  "@skyhook/spotnana-sender": "packages/spotnana-sender",
  "@skyhook/handler-booking-created": "packages/handlers/booking-created",
  "@skyhook/handler-flight-cancelled": "packages/handlers/flight-cancelled",
  "@skyhook/cli": "apps/cli",
  "@skyhook/dashboard": "apps/dashboard",
  "@skyhook/ingress": "apps/ingress",
  "@skyhook/worker": "apps/worker",
};

export default defineConfig({
  resolve: {
    alias: Object.entries(workspacePackages).map(([name, dir]) => ({
      find: new RegExp(`^${name}$`),
      replacement: here(`./${dir}/src/index.ts`),
    })),
  },
  test: {
    // SKYHOOK_MUTATE_TESTS (comma-separated globs) narrows the run, e.g. to the unit tests of
    // the one module being mutated.
    include: process.env.SKYHOOK_MUTATE_TESTS?.split(",") ?? [
      "apps/ingress/src/auth/*.test.ts",
      "apps/ingress/src/delivery/*.test.ts",
      "apps/worker/src/entity-guard.test.ts",
      "apps/worker/src/decide-fate.test.ts",
      "apps/worker/src/apply-fate.test.ts",
      "apps/worker/src/fate-observers.test.ts",
      "apps/worker/src/processor.test.ts",
      "packages/contracts/src/entity-order.test.ts",
      "packages/queue-kit/src/job-options.test.ts",
      "packages/queue-kit/src/enqueuer.test.ts",
      "packages/queue-kit/src/dead-letter-writer.test.ts",
      "test/token-endpoint.test.ts",
      "test/auth-hardening.test.ts",
      "test/delivery-endpoint.test.ts",
      "test/answer-after-store.test.ts",
      "test/pipeline.test.ts",
      "test/ordering.test.ts",
      "test/stalled-dead-letter.test.ts",
    ],
    exclude: ["**/node_modules/**", ".stryker-tmp/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
