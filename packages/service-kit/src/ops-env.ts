import { z } from "zod";
import { envInt } from "./env-fields.ts";

/**
 * The default ops port of each process kind. They differ so that the ingress, a worker and the
 * dashboard started by hand on one machine, each on its defaults, do not collide.
 */
export const defaultOpsPorts = { ingress: 9464, worker: 9465 } as const;

/**
 * The internal ops server (health, readiness, metrics) of the ingress and the workers. Port 0
 * picks a free port (tests); the bound port is logged.
 */
export const opsEnv = (defaultPort: number) =>
  z.object({
    OPS_PORT: envInt(defaultPort, 0, 65_535),
    OPS_HOST: z.string().trim().min(1).default("0.0.0.0"),
  });
export type OpsEnv = z.infer<ReturnType<typeof opsEnv>>;
export type OpsConfig = { port: number; host: string };
export const opsConfigOf = (e: OpsEnv): OpsConfig => ({ port: e.OPS_PORT, host: e.OPS_HOST });
