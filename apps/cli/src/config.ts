import { hostname, userInfo } from "node:os";
import {
  type CommonConfig,
  CommonEnv,
  commonConfigOf,
  envString,
  loadConfig,
} from "@skyhook/service-kit";
import { z } from "zod";

/** Every variable the command line reads (the docs test checks docs/configuration.md against it). */
export const CliEnv = CommonEnv.extend({
  /** Where `skyhook send` delivers. */
  INGRESS_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8080"),
  /** Who the audit trail names for replays and purges; defaults to user@host. */
  SKYHOOK_ACTOR: envString(),
});

export type CliConfig = CommonConfig & { ingressUrl: string; actor: string };

function defaultActor(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `unknown@${hostname()}`;
  }
}

export function loadCliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const e = loadConfig(CliEnv, env);
  return {
    ...commonConfigOf(e),
    ingressUrl: e.INGRESS_URL.replace(/\/+$/, ""),
    actor: e.SKYHOOK_ACTOR ?? defaultActor(),
  };
}
