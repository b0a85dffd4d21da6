import { z } from "zod";

/** What the receiver issued to Spotnana for the legacy OAuth mode (§1b of the sender's contract). */
export type ClientCredentials = { clientId: string; clientSecret: string };

export type Token = {
  accessToken: string;
  /** The `Authorization` value: the answer's `token_type` (Bearer when it names none) and the token. */
  authorization: string;
};

/** A token answer, or the status and body of a refusal (anything but 200 with an access token). */
export type TokenResult = { ok: true; token: Token } | { ok: false; status: number; body: string };

const TokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1).optional(),
});

function parseToken(text: string): Token | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const answer = TokenAnswer.safeParse(json);
  if (!answer.success) return undefined;
  const { access_token: accessToken, token_type: type } = answer.data;
  return { accessToken, authorization: `${type ?? "Bearer"} ${accessToken}` };
}

/**
 * Asks for a token as Spotnana does: a form-urlencoded client-credentials POST. A connection
 * that fails or times out rejects (as `fetch` does); an answer, whatever it is, resolves.
 */
export async function requestToken(
  tokenUrl: string,
  credentials: ClientCredentials,
  timeoutMs?: number,
): Promise<TokenResult> {
  const response = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }),
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  });
  const body = await response.text();
  const token = response.status === 200 ? parseToken(body) : undefined;
  return token === undefined ? { ok: false, status: response.status, body } : { ok: true, token };
}

/** A refused token request, for callers that cannot go on without a token. */
export class TokenRefused extends Error {
  override name = "TokenRefused";
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`the token request was refused: ${status} ${body}`);
    this.status = status;
    this.body = body;
  }
}
