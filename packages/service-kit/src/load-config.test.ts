import { describe, expect, it } from "vitest";
import { CommonEnv, commonConfigOf } from "./common-env.ts";
import { ConfigError, loadConfig } from "./load-config.ts";
import { defaultRedactedFields } from "./redaction.ts";

const redactFields = (value: string | undefined) =>
  loadConfig(CommonEnv, value === undefined ? {} : { REDACT_FIELDS: value }).REDACT_FIELDS;

function problemsOf(value: string): readonly string[] {
  try {
    redactFields(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected REDACT_FIELDS to be refused");
}

describe("REDACT_FIELDS", () => {
  it.each([undefined, "", "  "])("uses the default list when set to %j", (value) => {
    expect(redactFields(value)).toEqual(defaultRedactedFields);
  });

  it("adds to the defaults when the value starts with +", () => {
    const fields = redactFields("+seatNumber, ticketNumber");
    expect(fields).toEqual([...defaultRedactedFields, "seatNumber", "ticketNumber"]);
  });

  it("replaces the defaults when the value has no leading +", () => {
    expect(redactFields("email, seatNumber")).toEqual(["email", "seatNumber"]);
  });

  it("lists a name once, whatever its case", () => {
    expect(redactFields("+EMAIL,seatNumber,SeatNumber")).toEqual([
      ...defaultRedactedFields,
      "seatNumber",
    ]);
  });

  it("refuses paths and wildcards, naming the variable", () => {
    const problems = problemsOf("+traveler.email,*");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^REDACT_FIELDS: "traveler\.email" is not a field name/);
    expect(problems[1]).toMatch(/^REDACT_FIELDS: "\*" is not a field name/);
  });

  it("refuses a replacement that lists no names rather than turning redaction off", () => {
    expect(problemsOf(",")).toEqual(["REDACT_FIELDS: lists no field names"]);
  });
});

describe("Redis topology", () => {
  const redisOf = (env: NodeJS.ProcessEnv) => commonConfigOf(loadConfig(CommonEnv, env)).redis;
  const refusal = (env: NodeJS.ProcessEnv): readonly string[] => {
    try {
      loadConfig(CommonEnv, env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error("expected the environment to be refused");
  };

  it("is one server at REDIS_URL by default", () => {
    expect(redisOf({})).toEqual({
      url: "redis://127.0.0.1:6379",
      clusterNodes: undefined,
      sentinels: undefined,
      sentinelName: "mymaster",
    });
  });

  it("reads REDIS_CLUSTER_NODES as host:port pairs, IPv6 in brackets", () => {
    expect(
      redisOf({ REDIS_CLUSTER_NODES: "redis-0:7000, 10.0.0.2:7001,[::1]:7002" }).clusterNodes,
    ).toEqual([
      { host: "redis-0", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
  });

  it("reads REDIS_SENTINELS with REDIS_SENTINEL_NAME", () => {
    expect(
      redisOf({ REDIS_SENTINELS: "s1:26379,s2:26379", REDIS_SENTINEL_NAME: "skyhook" }),
    ).toMatchObject({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      sentinelName: "skyhook",
    });
  });

  it("names the variable and the item that is not host:port", () => {
    expect(refusal({ REDIS_CLUSTER_NODES: "redis-0:7000,redis-1" })).toEqual([
      'REDIS_CLUSTER_NODES: "redis-1" is not host:port',
    ]);
    expect(refusal({ REDIS_SENTINELS: "s1:99999" })).toEqual([
      'REDIS_SENTINELS: "s1:99999" is not host:port',
    ]);
  });

  it("refuses a Cluster and Sentinel at once", () => {
    expect(refusal({ REDIS_CLUSTER_NODES: "a:7000", REDIS_SENTINELS: "s:26379" })).toEqual([
      "REDIS_CLUSTER_NODES, REDIS_SENTINELS: set one of them, not both",
    ]);
  });
});
