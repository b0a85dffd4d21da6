import { defaultCatalog } from "@skyhook/contracts";
import { createTestContext } from "@skyhook/handler-kit";
import { samplePayload } from "@skyhook/spotnana-sender";
import { describe, expect, it } from "vitest";
import { {{handlerName}} } from "./{{dir}}-handler.ts";

describe("{{handlerName}}", () => {
  it("handles a {{eventType}}/{{operation}} event that passes its payload schema", async () => {
    const spec = defaultCatalog.route("{{eventType}}", "{{operation}}").spec;
    expect(spec, "the operation is registered in the contracts").toBeDefined();
    const payload = spec?.payload.parse(samplePayload("{{eventType}}", "{{operation}}", "SAMPLE-1"));
    const ctx = createTestContext({});
    await {{handlerName}}.handle(
      {
        eventType: "{{eventType}}",
        operation: "{{operation}}",
        payload,
        envelope: { payload },
        keys: {},
        receivedAt: new Date(),
      },
      ctx,
    );
    expect(ctx.logs.map((l) => l.msg)).toContain("{{operation}} received");
  });
});
