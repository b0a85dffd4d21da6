import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { defaultRedactedFields } from "./redaction.ts";

/** A logger writing into memory, and the lines it wrote, parsed. */
function capture(redactFields: readonly string[] = defaultRedactedFields) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ name: "test", level: "info", redactFields, destination });
  const written = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, written };
}

describe("createLogger", () => {
  it("redacts personal data nested at any depth of a logged object", () => {
    const { logger, lines, written } = capture();
    const traveler = {
      userId: { id: "USER-1" },
      personalInfo: { name: { given: "Ada", family: "Lovelace" }, dob: "1815-12-10" },
    };
    logger.info({ pnrId: "PNR-1", booking: { travelers: [traveler] } }, "booking seen");

    expect(lines.join("")).not.toContain("Lovelace");
    expect(written()[0]).toMatchObject({
      msg: "booking seen",
      pnrId: "PNR-1",
      booking: { travelers: [{ userId: { id: "USER-1" }, personalInfo: "[redacted]" }] },
    });
    expect(traveler.personalInfo.name.family).toBe("Lovelace");
  });

  it("keeps redacting credentials and payloads at their fixed paths", () => {
    const { logger, written } = capture();
    logger.info({ headers: { authorization: "Bearer abc" }, job: { payload: { pnrId: "P" } } });
    expect(written()[0]).toMatchObject({
      headers: { authorization: "[redacted]" },
      job: { payload: "[redacted]" },
    });
  });

  it("redacts the configured fields rather than the defaults", () => {
    const { logger, written } = capture(["seatNumber"]);
    logger.info({ seat: { seatNumber: "12A" }, email: "ada@example.com" });
    expect(written()[0]).toMatchObject({
      seat: { seatNumber: "[redacted]" },
      email: "ada@example.com",
    });
  });

  it("still serialises an error's message and stack", () => {
    const { logger, written } = capture();
    logger.error({ err: new Error("redis down") }, "failed");
    expect(written()[0]).toMatchObject({
      err: { type: "Error", message: "redis down", stack: expect.stringContaining("redis down") },
    });
  });

  it("keeps a failed Redis command's name but not its arguments (a password, event data)", () => {
    const { logger, lines, written } = capture();
    // The error ioredis gives a refused AUTH: a ReplyError carrying the command it answered.
    const refused = Object.assign(new Error("WRONGPASS invalid username-password pair"), {
      name: "ReplyError",
      command: { name: "auth", args: ["the-password"] },
    });
    logger.warn({ err: refused }, "redis connection error");
    expect(lines.join("")).not.toContain("the-password");
    expect(written()[0]).toMatchObject({
      err: { message: "WRONGPASS invalid username-password pair", command: { name: "auth" } },
    });
  });

  it("redacts a redacted name in a flat line of primitives, which is otherwise passed on uncopied", () => {
    const { logger, lines, written } = capture();
    logger.info({ requestId: "r-1", status: 200, email: "ada@example.com", password: "pw" });
    expect(lines.join("")).not.toContain("ada@example.com");
    expect(lines.join("")).not.toContain('"pw"');
    expect(written()[0]).toMatchObject({ requestId: "r-1", status: 200, email: "[redacted]" });
    logger.info({ requestId: "r-2", status: 200, durationMs: 1.5, email: null });
    expect(written()[1]).toMatchObject({ requestId: "r-2", status: 200, durationMs: 1.5 });
  });

  it("redacts credentials and payloads at any depth, in child bindings and in errors too", () => {
    const { logger, lines, written } = capture(["seatNumber"]);
    logger.info({
      a: { b: { c: { Authorization: "Bearer deep" } } },
      d: [{ client_secret: "s1" }],
    });
    logger
      .child({ request: { headers: { authorization: "Bearer bound" } } })
      .info({ ok: true }, "child");
    const failure = Object.assign(new Error("refused"), {
      payload: { pnrId: "P" },
      access_token: "t1",
    });
    logger.error({ err: failure }, "failed");
    const text = lines.join("");
    for (const secret of ["Bearer deep", "s1", "Bearer bound", "t1", '"pnrId"']) {
      expect(text).not.toContain(secret);
    }
    expect(written()[0]).toMatchObject({ a: { b: { c: { Authorization: "[redacted]" } } } });
    expect(written()[2]).toMatchObject({ err: { message: "refused", payload: "[redacted]" } });
  });
});
