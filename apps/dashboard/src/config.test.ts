import { ConfigError } from "@skyhook/service-kit";
import { describe, expect, it } from "vitest";
import { devCredentials, loadDashboardConfig } from "./config.ts";

const strongPassword = "vivid-walrus-juggles-nine-kites";

/** The DASHBOARD_USER login's name, role and password, as the config gives it. */
function envUserOf(env: NodeJS.ProcessEnv) {
  const { auth } = loadDashboardConfig(env);
  if (auth.mode !== "basic") throw new Error("expected built-in users");
  return auth.users.map((user) => ({
    name: user.name,
    role: user.role,
    password: user.secret.kind === "plain" ? user.secret.password : undefined,
  }));
}

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadDashboardConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the configuration to be refused");
}

describe("loadDashboardConfig", () => {
  it("starts with development credentials when none are set outside production, and says so", () => {
    const config = loadDashboardConfig({});
    expect(envUserOf({})).toEqual([
      {
        name: devCredentials.DASHBOARD_USER,
        role: "operator",
        password: devCredentials.DASHBOARD_PASSWORD,
      },
    ]);
    expect(config.devDefaultsInUse).toEqual(["DASHBOARD_USER", "DASHBOARD_PASSWORD"]);
    expect(config).toMatchObject({
      port: 3001,
      host: "0.0.0.0",
      readOnly: false,
      basePath: "/",
      queuePrefix: "skyhook",
      httpsOnly: false,
      trustProxy: undefined,
      refreshMs: 10_000,
      timeZone: "UTC",
    });
  });

  it("lists only the development defaults still in use", () => {
    const config = loadDashboardConfig({ DASHBOARD_USER: "ops" });
    expect(envUserOf({ DASHBOARD_USER: "ops" })[0]?.name).toBe("ops");
    expect(config.devDefaultsInUse).toEqual(["DASHBOARD_PASSWORD"]);
  });

  it("refuses unset credentials in production, naming each variable", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems).toEqual([
      "DASHBOARD_USER: required when NODE_ENV=production (or give DASHBOARD_USERS_FILE)",
      "DASHBOARD_PASSWORD: required when NODE_ENV=production (or give DASHBOARD_USERS_FILE)",
    ]);
  });

  it("refuses the development values in production even when set explicitly", () => {
    const problems = problemsOf({
      NODE_ENV: "production",
      DASHBOARD_USER: devCredentials.DASHBOARD_USER,
      DASHBOARD_PASSWORD: devCredentials.DASHBOARD_PASSWORD,
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^DASHBOARD_USER: the development default is refused/);
    expect(problems[1]).toMatch(/^DASHBOARD_PASSWORD: the development default is refused/);
  });

  it.each([
    ["shorter than 20 characters", "Xk4-q9Lm2-Pw7"],
    ["the placeholder .env.example ships", "replace-with-a-long-password"],
    ["a repeated phrase", "hunter2hunter2hunter2hunter2"],
  ])("refuses a production password %s, without printing it", (_label, password) => {
    const problems = problemsOf({
      NODE_ENV: "production",
      DASHBOARD_USER: "ops",
      DASHBOARD_PASSWORD: password,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DASHBOARD_PASSWORD: .*\(NODE_ENV=production\)$/);
    expect(problems[0]).not.toContain(password);
  });

  it("accepts real production credentials and reports no development defaults", () => {
    const config = loadDashboardConfig({
      NODE_ENV: "production",
      DASHBOARD_USER: "ops",
      DASHBOARD_PASSWORD: strongPassword,
    });
    expect(
      envUserOf({
        NODE_ENV: "production",
        DASHBOARD_USER: "ops",
        DASHBOARD_PASSWORD: strongPassword,
      }),
    ).toEqual([{ name: "ops", role: "operator", password: strongPassword }]);
    expect(config.devDefaultsInUse).toEqual([]);
  });

  it("carries REDACT_FIELDS through to the board's redaction list", () => {
    expect(loadDashboardConfig({ REDACT_FIELDS: "email,seatNumber" }).redactFields).toEqual([
      "email",
      "seatNumber",
    ]);
  });

  it.each([
    ["true", true],
    ["1", true],
    ["YES", true],
    ["false", false],
    ["0", false],
    ["", false],
  ])("reads DASHBOARD_READ_ONLY=%j as %s", (value, expected) => {
    expect(loadDashboardConfig({ DASHBOARD_READ_ONLY: value }).readOnly).toBe(expected);
  });

  it("refuses a DASHBOARD_READ_ONLY that is not a boolean", () => {
    expect(problemsOf({ DASHBOARD_READ_ONLY: "maybe" })[0]).toMatch(/^DASHBOARD_READ_ONLY:/);
  });

  it.each([
    ["", "/"],
    ["/", "/"],
    ["/ops/queues", "/ops/queues"],
    ["/ops/queues/", "/ops/queues"],
  ])("normalises DASHBOARD_BASE_PATH=%j to %j", (value, expected) => {
    expect(loadDashboardConfig({ DASHBOARD_BASE_PATH: value }).basePath).toBe(expected);
  });

  it.each(["ops", "/ops queues", "/ops//queues", "/*"])(
    "refuses DASHBOARD_BASE_PATH=%j",
    (value) => {
      expect(problemsOf({ DASHBOARD_BASE_PATH: value })[0]).toMatch(/^DASHBOARD_BASE_PATH:/);
    },
  );

  it("reads DASHBOARD_HTTPS_ONLY as a boolean", () => {
    expect(loadDashboardConfig({ DASHBOARD_HTTPS_ONLY: "true" }).httpsOnly).toBe(true);
    expect(problemsOf({ DASHBOARD_HTTPS_ONLY: "always" })[0]).toMatch(/^DASHBOARD_HTTPS_ONLY:/);
  });

  it.each([
    ["true", true],
    ["false", false],
    ["1", 1],
    ["loopback", "loopback"],
    ["10.0.0.0/8, 192.168.1.7", "10.0.0.0/8, 192.168.1.7"],
  ])("reads DASHBOARD_TRUST_PROXY=%j as Express's trust proxy %j", (value, expected) => {
    expect(loadDashboardConfig({ DASHBOARD_TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(["yes-please", "10.0.0.0/33", "300.1.1.1"])(
    "refuses DASHBOARD_TRUST_PROXY=%j, naming it",
    (value) => {
      expect(problemsOf({ DASHBOARD_TRUST_PROXY: value })[0]).toMatch(/^DASHBOARD_TRUST_PROXY:/);
    },
  );

  it("reads DASHBOARD_REFRESH_MS and refuses one so short it would hammer Redis", () => {
    expect(loadDashboardConfig({ DASHBOARD_REFRESH_MS: "2500" }).refreshMs).toBe(2_500);
    expect(problemsOf({ DASHBOARD_REFRESH_MS: "10" })[0]).toMatch(/^DASHBOARD_REFRESH_MS:/);
  });

  it("takes an IANA DASHBOARD_TIME_ZONE and refuses a zone no browser knows", () => {
    expect(loadDashboardConfig({ DASHBOARD_TIME_ZONE: "Europe/Berlin" }).timeZone).toBe(
      "Europe/Berlin",
    );
    expect(problemsOf({ DASHBOARD_TIME_ZONE: "Mars/Olympus" })[0]).toMatch(/^DASHBOARD_TIME_ZONE:/);
  });
});
