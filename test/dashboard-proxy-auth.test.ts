import { type DashboardAuth, loadDashboardConfig } from "@skyhook/dashboard";
import { deadLetterJobId } from "@skyhook/queue-kit";
import { ConfigError } from "@skyhook/service-kit";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basicHeader,
  type RunningDashboard,
  seedDeadLetter,
  startDashboard,
} from "./support/dashboard.ts";
import { AuditAnswer } from "./support/dashboard-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect } from "./support/redis.ts";

const proxyAuth: DashboardAuth = {
  mode: "proxy",
  userHeader: "x-forwarded-user",
  groupsHeader: "x-forwarded-groups",
  operatorGroups: ["skyhook-operators"],
  viewerGroups: ["skyhook-viewers"],
};

/** What oauth2-proxy adds to a signed-in request it passes on. */
const signedIn = (user: string, groups: string) => ({
  "x-forwarded-user": user,
  "x-forwarded-groups": groups,
  "sec-fetch-site": "same-origin",
});

describe("DASHBOARD_AUTH=proxy: the SSO proxy's user header (real Redis, real HTTP)", () => {
  let redis: Redis;
  let behindProxy: RunningDashboard;
  let notFromProxy: RunningDashboard;
  let queue: Queue;
  /** The seeded dead letter's original job id (seedDeadLetter files it under the delivery id). */
  const jobId = "wh-proxy-1";

  beforeAll(async () => {
    redis = connect();
    // The test connects from 127.0.0.1: the proxy's address here.
    behindProxy = await startDashboard(redis, { auth: proxyAuth, trustProxy: "loopback" });
    notFromProxy = await startDashboard(redis, { auth: proxyAuth, trustProxy: "10.20.30.40" });
    const names = await seedDeadLetter(redis, behindProxy.prefix, jobId);
    queue = new Queue(names.queue, { connection: redis, prefix: behindProxy.prefix });
  });

  afterAll(async () => {
    await queue.close();
    await behindProxy.stop();
    await notFromProxy.stop();
    redis.disconnect();
  });

  const pause = (on: RunningDashboard, headers: Record<string, string>) =>
    fetch(`${on.url}/api/queues/${encodeURIComponent(queue.name)}/pause`, {
      method: "PUT",
      headers,
    });

  it("gives a user in an operator group the operator role", async () => {
    const res = await pause(behindProxy, signedIn("ada@example.com", "staff, skyhook-operators"));
    expect(res.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    await queue.resume();
  });

  it("gives a user in a viewer group only the viewer role", async () => {
    const res = await pause(behindProxy, signedIn("eve@example.com", "skyhook-viewers"));
    expect(res.status).toBe(405);
    expect(await queue.isPaused()).toBe(false);
    const read = await fetch(`${behindProxy.url}/api/queues`, {
      headers: signedIn("eve@example.com", "skyhook-viewers"),
    });
    expect(read.status).toBe(200);
  });

  it("refuses a user the proxy signed in whose groups map to no role, and a request without a user", async () => {
    const outsider = await fetch(`${behindProxy.url}/api/queues`, {
      headers: signedIn("bob@example.com", "finance"),
    });
    expect(outsider.status).toBe(403);
    expect(await outsider.json()).toMatchObject({ error: { code: "not_permitted" } });
    const anonymous = await fetch(`${behindProxy.url}/api/queues`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({ error: { code: "no_proxy_user" } });
  });

  it("without viewer groups, lets every user the proxy signed in view", async () => {
    const open = await startDashboard(redis, {
      auth: { ...proxyAuth, viewerGroups: undefined },
      trustProxy: "loopback",
    });
    try {
      const headers = signedIn("bob@example.com", "finance");
      expect((await fetch(`${open.url}/api/queues`, { headers })).status).toBe(200);
      expect((await pause(open, headers)).status).toBe(405);
    } finally {
      await open.stop();
    }
  });

  it("ignores the headers from an address that is not the proxy's, and refuses the request", async () => {
    for (const path of ["/api/queues", "/ops/api/ledger", "/"]) {
      const res = await fetch(`${notFromProxy.url}${path}`, {
        headers: {
          ...signedIn("ada@example.com", "skyhook-operators"),
          ...basicHeader({ name: "ada@example.com", password: "anything" }),
        },
      });
      expect(res.status, path).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: "proxy_required" } });
    }
    expect(
      (await pause(notFromProxy, signedIn("ada@example.com", "skyhook-operators"))).status,
    ).toBe(403);
  });

  it("names the proxy's user in the audit log, not a name the request declares", async () => {
    const res = await fetch(`${behindProxy.url}/ops/api/replay`, {
      method: "POST",
      headers: {
        ...signedIn("ada@example.com", "skyhook-operators"),
        ...basicHeader({ name: "mallory", password: "x" }),
        "content-type": "application/json",
      },
      body: JSON.stringify({ filter: { jobId: deadLetterJobId(jobId) }, dryRun: true }),
    });
    expect(res.status).toBe(200);
    const audit = await fetch(`${behindProxy.url}/ops/api/audit`, {
      headers: signedIn("eve@example.com", "skyhook-viewers"),
    });
    const [latest] = await jsonOf(audit, AuditAnswer);
    expect(latest).toMatchObject({ actor: "dashboard:ada@example.com", action: "replay" });
  });
});

describe("DASHBOARD_AUTH=proxy configuration", () => {
  const problemsOf = (env: NodeJS.ProcessEnv) => {
    try {
      loadDashboardConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it("reads the header names and the groups of each role", () => {
    const { auth } = loadDashboardConfig({
      NODE_ENV: "production",
      DASHBOARD_AUTH: "proxy",
      DASHBOARD_TRUST_PROXY: "10.0.0.0/24",
      DASHBOARD_PROXY_USER_HEADER: "X-Auth-Request-Email",
      DASHBOARD_PROXY_OPERATOR_GROUPS: "sre, skyhook-operators",
    });
    expect(auth).toEqual({
      mode: "proxy",
      userHeader: "x-auth-request-email",
      groupsHeader: "x-forwarded-groups",
      operatorGroups: ["sre", "skyhook-operators"],
      viewerGroups: undefined,
    });
  });

  it.each([
    ["unset", undefined],
    ["true (anyone)", "true"],
    ["a hop count", "1"],
  ])(
    "refuses a DASHBOARD_TRUST_PROXY that is %s: it must name the proxy's addresses",
    (_label, value) => {
      const problems = problemsOf({ DASHBOARD_AUTH: "proxy", DASHBOARD_TRUST_PROXY: value });
      expect(problems).toEqual([
        expect.stringMatching(/^DASHBOARD_TRUST_PROXY: DASHBOARD_AUTH=proxy/),
      ]);
    },
  );

  it("refuses passwords alongside it, rather than ignore them", () => {
    expect(
      problemsOf({
        DASHBOARD_AUTH: "proxy",
        DASHBOARD_TRUST_PROXY: "loopback",
        DASHBOARD_USER: "ops",
        DASHBOARD_PASSWORD: "whatever-it-is",
      }),
    ).toEqual([
      expect.stringMatching(/^DASHBOARD_USER: not used with DASHBOARD_AUTH=proxy/),
      expect.stringMatching(/^DASHBOARD_PASSWORD: not used with DASHBOARD_AUTH=proxy/),
    ]);
  });
});
