import { z } from "zod";

/**
 * What a signed-in person may do. A viewer reads everything and may dry-run a replay (it
 * changes nothing); an operator also replays, purges and acts on queues from the board.
 */
export const Role = z.enum(["viewer", "operator"]);
export type Role = z.infer<typeof Role>;

/** Who a request is from, decided once per request by the dashboard's login. */
export type Identity = {
  name: string;
  role: Role;
  /** `password`: a built-in user over HTTP Basic; `proxy`: the SSO proxy's user header. */
  via: "password" | "proxy";
};

/**
 * Why a request was not let in: its status, a code and message for the JSON body, whether to
 * send a Basic challenge, and when to come back after too many failed logins.
 */
export type Refusal = {
  status: 401 | 403 | 429;
  code: string;
  message: string;
  challenge: boolean;
  retryAfterSec?: number;
};

export type AuthOutcome = { ok: true; identity: Identity } | { ok: false; refusal: Refusal };

/** Who a change is written down as, in the audit trail and a pause's note. */
export const actorOf = (identity: Identity): string => `dashboard:${identity.name}`;
