/** Plays a Spotnana delivery node against an ingress base URL: token request, then POSTs. */
export function spotnanaClient(
  baseUrl: string,
  credentials: { clientId: string; clientSecret: string },
) {
  let token: string | undefined;

  async function fetchToken(): Promise<string> {
    const response = await fetch(`${baseUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      }),
    });
    if (response.status !== 200) throw new Error(`token request answered ${response.status}`);
    const body = (await response.json()) as { access_token: string };
    return body.access_token;
  }

  return {
    fetchToken,
    async deliver(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
      token ??= await fetchToken();
      return fetch(`${baseUrl}/webhooks/spotnana`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          ...headers,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    },
  };
}
