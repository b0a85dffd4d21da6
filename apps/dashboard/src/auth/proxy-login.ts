import type { Request } from "express";
import type { Logger } from "pino";
import type { AuthOutcome, Role } from "./identity.ts";

/** DASHBOARD_AUTH=proxy: who the SSO proxy says the user is, and which groups map to roles. */
export type ProxyAuth = {
  /** Lower-case header names, e.g. `x-forwarded-user` and `x-forwarded-groups` (oauth2-proxy). */
  userHeader: string;
  groupsHeader: string;
  operatorGroups: readonly string[];
  /** Undefined: every user the proxy lets through may view. */
  viewerGroups: readonly string[] | undefined;
};

const refused = (status: 403, code: string, message: string): AuthOutcome => ({
  ok: false,
  refusal: { status, code, message, challenge: false },
});

/** A user name as shown in logs and the audit log: printable, bounded. */
const plausibleUser = /^[\x21-\x7e][\x20-\x7e]{0,255}$/;

/**
 * Login behind an SSO proxy such as oauth2-proxy, which authenticates people and passes who
 * they are in a header. Anyone can send that header, so it is believed only on a connection
 * that comes from the proxy itself: a peer address in DASHBOARD_TRUST_PROXY (`isTrustedPeer`,
 * Express's own compiled `trust proxy`). From any other address the request is refused
 * whatever it carries; an Authorization header is never looked at in this mode.
 */
export function createProxyLogin(
  auth: ProxyAuth,
  deps: { isTrustedPeer: (address: string) => boolean; logger: Logger },
): (req: Request) => Promise<AuthOutcome> {
  const roleOf = (groups: readonly string[]): Role | undefined => {
    if (groups.some((group) => auth.operatorGroups.includes(group))) return "operator";
    if (auth.viewerGroups === undefined) return "viewer";
    return groups.some((group) => auth.viewerGroups?.includes(group)) ? "viewer" : undefined;
  };

  return async (req) => {
    const peer = req.socket.remoteAddress ?? "";
    if (!deps.isTrustedPeer(peer)) {
      deps.logger.warn(
        { peer, method: req.method, path: req.path },
        "dashboard request not from the SSO proxy refused",
      );
      return refused(403, "proxy_required", "this dashboard is reached through its sign-in proxy");
    }
    const user = req.get(auth.userHeader)?.trim() ?? "";
    if (!plausibleUser.test(user)) {
      deps.logger.warn({ method: req.method, path: req.path }, "the SSO proxy sent no usable user");
      return refused(403, "no_proxy_user", `the sign-in proxy sent no ${auth.userHeader}`);
    }
    const groups = (req.get(auth.groupsHeader) ?? "")
      .split(",")
      .map((group) => group.trim())
      .filter((group) => group !== "");
    const role = roleOf(groups);
    if (role === undefined) {
      deps.logger.warn(
        { user, method: req.method, path: req.path },
        "dashboard user in no permitted group",
      );
      return refused(403, "not_permitted", "your groups give no role on this dashboard");
    }
    return { ok: true, identity: { name: user, role, via: "proxy" } };
  };
}
