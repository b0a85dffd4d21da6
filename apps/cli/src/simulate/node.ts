import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";

export type NodeAuth =
  | { mode: "hmac"; secret: string }
  | { mode: "oauth"; tokenUrl: string; clientId: string; clientSecret: string };

/**
 * What one attempt got: the status and the answer's body, or (status 0) why there was none:
 * `timeout`, `no answer` (connection failed) or `token <status>` (the token was refused).
 */
export type Answer = { status: number; body: unknown; failure?: string };

/** A refused token request: the delivery was never sent. */
class TokenRefused extends Error {
  override name = "TokenRefused";
  readonly status: number;
  constructor(status: number) {
    super(`the token request was refused: ${status}`);
    this.status = status;
  }
}

const TokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1).optional(),
});

function failureOf(err: unknown): string {
  if (err instanceof TokenRefused) return `token ${err.status}`;
  return err instanceof Error && err.name === "TimeoutError" ? "timeout" : "no answer";
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Spotnana's HMAC: SHA-256 over `{id}.{timestamp}.{raw body}`, the whsec_ key Base64-decoded. */
export function signedHeaders(secret: string, id: string, body: string, nowMs: number) {
  const timestamp = String(Math.floor(nowMs / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "x-spotnana-webhook-id": id,
    "x-spotnana-webhook-timestamp": timestamp,
    // Bare Base64, as Spotnana's page documents it (no `v1,` prefix).
    "x-spotnana-webhook-signature": signature,
  };
}

/**
 * One of Spotnana's sending nodes. In OAuth mode each node holds its own token, as separate
 * machines would, and fetches a new one once when the receiver answers 401.
 */
export function createNode(options: { url: string; auth: NodeAuth; timeoutMs: number }) {
  let authorization: Promise<string> | undefined;

  async function fetchToken(auth: Extract<NodeAuth, { mode: "oauth" }>): Promise<string> {
    const response = await fetch(auth.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) throw new TokenRefused(response.status);
    const token = TokenAnswer.parse(JSON.parse(text));
    return `${token.token_type ?? "Bearer"} ${token.access_token}`;
  }

  async function post(headers: Record<string, string>, body: string): Promise<Answer> {
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          // Spotnana puts B3 ids on every webhook request; support quotes them.
          "x-b3-traceid": randomBytes(16).toString("hex"),
          "x-b3-spanid": randomBytes(8).toString("hex"),
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      return { status: response.status, body: parseBody(await response.text()) };
    } catch (err) {
      return { status: 0, body: undefined, failure: failureOf(err) };
    }
  }

  return {
    /** Delivers once; the id is the delivery's, the same on every retry and duplicate. */
    async deliver(id: string, body: string): Promise<Answer> {
      const auth = options.auth;
      if (auth.mode === "hmac") return post(signedHeaders(auth.secret, id, body, Date.now()), body);
      const headers = (value: string) => ({ authorization: value, "x-spotnana-webhook-id": id });
      try {
        authorization ??= fetchToken(auth);
        const answer = await post(headers(await authorization), body);
        if (answer.status !== 401) return answer;
        authorization = fetchToken(auth);
        return await post(headers(await authorization), body);
      } catch (err) {
        authorization = undefined;
        return { status: 0, body: undefined, failure: failureOf(err) };
      }
    },
  };
}
