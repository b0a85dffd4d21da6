import { describe, expect, it } from "vitest";
import { DeliveryAnswer, FilteredAnswer } from "./ingress-answers.ts";
import { jsonOf, parseJsonAs, UnexpectedBody } from "./json-body.ts";

const answer = (body: string, status = 200) =>
  new Response(body, { status, headers: { "content-type": "application/json" } });

describe("the tests' one way to read a JSON body", () => {
  it("gives back a body of the schema's shape, typed", async () => {
    const body = '{"status":"accepted","deliveryId":"msg-1","jobId":"wh-msg-1"}';
    const { jobId } = await jsonOf(answer(body), DeliveryAnswer);
    expect(jobId).toBe("wh-msg-1");
  });

  it("fails on a body of another shape with zod's message, the status and the body", async () => {
    const filtered = '{"status":"filtered","reason":"organization","deliveryId":"msg-2"}';
    const failure = await jsonOf(answer(filtered), DeliveryAnswer).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UnexpectedBody);
    const message = String((failure as UnexpectedBody).message);
    expect(message).toMatch(/^the 200 answer .* is not of the expected shape:\n/);
    expect(message).toContain(
      '✖ Invalid option: expected one of "accepted"|"duplicate"\n  → at status',
    );
    expect(message).toContain("✖ Invalid input: expected string, received undefined\n  → at jobId");
    expect(message).toContain(`body: ${filtered}`);
  });

  it("fails on a field the documented answer does not have: the answers are strict", () => {
    const body = '{"status":"filtered","deliveryId":"msg-3","jobId":"wh-msg-3"}';
    expect(() => parseJsonAs(body, FilteredAnswer, "a filtered answer")).toThrow(
      'a filtered answer is not of the expected shape:\n✖ Unrecognized key: "jobId"',
    );
  });

  it("fails on a body that is not JSON, naming what was read", () => {
    expect(() => parseJsonAs("<html>502</html>", DeliveryAnswer, "the proxy's answer")).toThrow(
      new UnexpectedBody("the proxy's answer is not JSON: <html>502</html>"),
    );
  });
});
