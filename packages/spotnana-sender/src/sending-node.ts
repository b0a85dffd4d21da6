import { signedHeaders, traceHeaders } from "./signing.ts";
import { type ClientCredentials, requestToken, TokenRefused, type TokenResult } from "./token.ts";

/** How a node authenticates: HMAC-signed (current) or the legacy OAuth client credentials. */
export type NodeAuth =
  | { mode: "hmac"; secret: string }
  | ({ mode: "oauth"; tokenUrl?: string } & ClientCredentials);

/**
 * What one attempt got: the status and the answer's body, or (status 0) why there was none:
 * `timeout`, `no answer` (connection failed) or `token <status>` (the token was refused).
 */
export type Answer = { status: number; body: unknown; failure?: string };

/** Spotnana's limit for a whole request, connection included (§2 of the sender's contract). */
export const deliveryTimeoutMs = 40_000;

/** The delivery URL of a receiver: its base URL's `/webhooks/spotnana`, or the URL as given. */
export const deliveryUrlOf = (url: string): string =>
  /\/webhooks\/spotnana(\/|$)/.test(new URL(url).pathname)
    ? url
    : `${url.replace(/\/+$/, "")}/webhooks/spotnana`;

/** Where Skyhook issues tokens: `/oauth/token` at the receiver's origin. */
export const tokenUrlOf = (url: string): string => `${new URL(url).origin}/oauth/token`;

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

export type SendingNode = ReturnType<typeof createSendingNode>;

/**
 * One of Spotnana's sending nodes. In OAuth mode each node holds its own token, as separate
 * machines would: fetched on the first delivery, and fetched again once when the receiver
 * answers an attempt 401.
 */
export function createSendingNode(options: { url: string; auth: NodeAuth; timeoutMs?: number }) {
  const url = deliveryUrlOf(options.url);
  const timeoutMs = options.timeoutMs ?? deliveryTimeoutMs;
  const auth = options.auth;
  const tokenUrl = auth.mode === "oauth" ? (auth.tokenUrl ?? tokenUrlOf(options.url)) : "";
  let pending: Promise<TokenResult> | undefined;

  async function authorization(renew: boolean): Promise<string> {
    if (auth.mode !== "oauth") throw new TypeError("an HMAC node has no token");
    if (renew || pending === undefined) pending = requestToken(tokenUrl, auth, timeoutMs);
    const asked = pending;
    try {
      const result = await asked;
      if (result.ok) return result.token.authorization;
      throw new TokenRefused(result.status, result.body);
    } catch (err) {
      if (pending === asked) pending = undefined;
      throw err;
    }
  }

  async function send(body: string, headers: Record<string, string>, renew = false) {
    const id = headers["x-spotnana-webhook-id"];
    const credentials =
      auth.mode === "hmac"
        ? signedHeaders(auth.secret, body, id === undefined ? {} : { id })
        : { authorization: await authorization(renew) };
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...credentials, ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  return {
    url,
    /**
     * One request with nothing of Spotnana's retrying: signed now (HMAC, with the id of an
     * `x-spotnana-webhook-id` header when given) or with the node's token. `headers` go last,
     * so a test can override any of them. Rejects when the connection fails or a token is refused.
     */
    deliver(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
      return send(typeof body === "string" ? body : JSON.stringify(body), headers);
    },

    /**
     * One attempt of a delivery as Spotnana makes it: B3 trace ids, the delivery's id (the same
     * on every retry and duplicate), a new token once after a 401. Never rejects.
     */
    async attempt(id: string, body: string): Promise<Answer> {
      const headers = { ...traceHeaders(), "x-spotnana-webhook-id": id };
      try {
        let response = await send(body, headers);
        if (response.status === 401 && auth.mode === "oauth") {
          await response.arrayBuffer();
          response = await send(body, headers, true);
        }
        return { status: response.status, body: parseBody(await response.text()) };
      } catch (err) {
        return { status: 0, body: undefined, failure: failureOf(err) };
      }
    },

    /** A new access token (OAuth nodes), not the one the node holds; rejects when refused. */
    async fetchToken(): Promise<string> {
      if (auth.mode !== "oauth") throw new TypeError("an HMAC node has no token");
      const result = await requestToken(tokenUrl, auth, timeoutMs);
      if (!result.ok) throw new TokenRefused(result.status, result.body);
      return result.token.accessToken;
    },
  };
}
