import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSendingNode, deliveryUrlOf, tokenUrlOf } from "./sending-node.ts";
import { newSigningSecret, signature } from "./signing.ts";

type Seen = { path: string; headers: IncomingHttpHeaders; body: string };

/** A receiver over real HTTP: tokens `t1`, `t2`, … (type `Custom`), deliveries as the test says. */
const seen: Seen[] = [];
let answerDelivery: (seen: Seen) => number = () => 200;
let tokenStatus = 200;
let issued = 0;
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString("utf8");
  });
  req.on("end", () => {
    const request = { path: req.url ?? "", headers: req.headers, body };
    seen.push(request);
    if (request.path === "/oauth/token") {
      if (tokenStatus !== 200) return res.writeHead(tokenStatus).end("no");
      issued++;
      return res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ access_token: `t${issued}`, token_type: "Custom" }));
    }
    const status = answerDelivery(request);
    if (status === 0) return;
    res.writeHead(status, { "content-type": "application/json" }).end('{"status":"accepted"}');
  });
});
let base = "";

beforeAll(async () => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const reset = (answer: (seen: Seen) => number = () => 200) => {
  seen.length = 0;
  answerDelivery = answer;
  tokenStatus = 200;
};
const deliveries = () => seen.filter((s) => s.path !== "/oauth/token");
const oauth = { mode: "oauth", clientId: "c", clientSecret: "s" } as const;

describe("a sending node", () => {
  it("signs each HMAC attempt with the delivery's id, now, and adds B3 trace ids", async () => {
    reset();
    const secret = newSigningSecret();
    const node = createSendingNode({ url: base, auth: { mode: "hmac", secret } });
    const answer = await node.attempt("msg_1", '{"a":1}');
    expect(answer).toEqual({ status: 200, body: { status: "accepted" } });
    const [request] = deliveries();
    expect(request?.path).toBe("/webhooks/spotnana");
    const timestamp = Number(request?.headers["x-spotnana-webhook-timestamp"]);
    expect(request?.headers["x-spotnana-webhook-id"]).toBe("msg_1");
    expect(request?.headers["x-spotnana-webhook-signature"]).toBe(
      signature(secret, "msg_1", timestamp, '{"a":1}'),
    );
    expect(request?.headers["x-b3-traceid"]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("fetches one token per node, uses its token_type, and fetches a new one once after a 401", async () => {
    issued = 0;
    reset((s) => (s.headers.authorization === "Custom t1" ? 401 : 200));
    const node = createSendingNode({ url: base, auth: oauth });
    expect((await node.attempt("msg_2", "{}")).status).toBe(200);
    expect((await node.attempt("msg_3", "{}")).status).toBe(200);
    expect(seen.filter((s) => s.path === "/oauth/token")).toHaveLength(2);
    expect(seen[0]?.body).toBe("grant_type=client_credentials&client_id=c&client_secret=s");
    expect(deliveries().map((s) => s.headers.authorization)).toEqual([
      "Custom t1",
      "Custom t2",
      "Custom t2",
    ]);
  });

  it("answers with why there was no answer: a refused token, a refused connection, a timeout", async () => {
    reset(() => 0);
    tokenStatus = 403;
    expect(await createSendingNode({ url: base, auth: oauth }).attempt("m", "{}")).toEqual({
      status: 0,
      body: undefined,
      failure: "token 403",
    });
    const hmac = { mode: "hmac", secret: newSigningSecret() } as const;
    const slow = createSendingNode({ url: base, auth: hmac, timeoutMs: 100 });
    expect((await slow.attempt("m", "{}")).failure).toBe("timeout");
    const nobody = createSendingNode({ url: "http://127.0.0.1:9", auth: hmac });
    expect((await nobody.attempt("m", "{}")).failure).toBe("no answer");
  });

  it("sends a single request whose given headers win, and hands out new tokens", async () => {
    reset();
    const node = createSendingNode({ url: base, auth: oauth });
    const response = await node.deliver({ x: 1 }, { "x-spotnana-webhook-id": "msg_given" });
    expect(response.status).toBe(200);
    expect(deliveries()[0]).toMatchObject({
      body: '{"x":1}',
      headers: { "x-spotnana-webhook-id": "msg_given", "content-type": "application/json" },
    });
    expect(await node.fetchToken()).not.toBe(await node.fetchToken());
    tokenStatus = 401;
    await expect(node.fetchToken()).rejects.toMatchObject({ name: "TokenRefused", status: 401 });
  });

  it("finds the delivery and token URLs of a receiver's base URL", () => {
    expect(deliveryUrlOf("http://h:1")).toBe("http://h:1/webhooks/spotnana");
    expect(deliveryUrlOf("http://h:1/")).toBe("http://h:1/webhooks/spotnana");
    expect(deliveryUrlOf("http://h:1/webhooks/spotnana/acme")).toBe(
      "http://h:1/webhooks/spotnana/acme",
    );
    expect(tokenUrlOf("http://h:1/webhooks/spotnana/acme")).toBe("http://h:1/oauth/token");
  });
});
