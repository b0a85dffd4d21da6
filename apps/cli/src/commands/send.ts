import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";

/** The development client the ingress runs with when nothing is configured (README, quick start). */
const devClient = { id: "skyhook-dev", secret: "skyhook-dev-secret" };

type SendOptions = {
  url?: string;
  mode?: string;
  secret?: string;
  clientId?: string;
  clientSecret?: string;
  subscription?: string;
  eventType: string;
  operation: string;
  pnr?: string;
  version: string;
  file?: string;
  json?: boolean;
};

function sampleEvent(options: SendOptions) {
  const pnrId = options.pnr ?? `PNR-${randomUUID().slice(0, 8)}`;
  return {
    event_type: options.eventType,
    operation: options.operation,
    timestamp: new Date().toISOString(),
    payload: {
      pnrId,
      tripId: `TRIP-${pnrId}`,
      version: Number(options.version),
      bookingStatus: "CONFIRMED_STATUS",
      pnrTravelers: [{ userId: { id: "USER-1" } }],
      airPnr: {
        legs: [
          {
            flights: [
              {
                origin: "SFO",
                destination: "JFK",
                marketing: { airlineCode: "UA", num: "100" },
                departureDateTime: { iso8601: "2026-12-24T10:00:00" },
                flightStatus: options.operation === "FLIGHT_CANCELLED" ? "CANCELLED" : "CONFIRMED",
              },
            ],
          },
        ],
      },
    },
  };
}

/** Signs like Spotnana: HMAC-SHA256 over `{id}.{timestamp}.{raw body}`, the whsec_ key Base64-decoded. */
function hmacHeaders(secret: string, body: string): Record<string, string> {
  const id = `msg_${randomBytes(8).toString("hex")}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "x-spotnana-webhook-id": id,
    "x-spotnana-webhook-timestamp": timestamp,
    "x-spotnana-webhook-signature": signature,
  };
}

async function bearerHeaders(base: string, clientId: string, clientSecret: string) {
  const response = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new CliExit(1, `the token request was refused: ${response.status} ${text}`);
  const { access_token: token, token_type: type } = JSON.parse(text) as {
    access_token: string;
    token_type?: string;
  };
  return { authorization: `${type ?? "Bearer"} ${token}` };
}

export function sendCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("send")
    .description(
      "Deliver one test event to a running ingress as Spotnana would: HMAC-signed (x-spotnana-webhook-id, -timestamp, -signature) or with an OAuth token",
    )
    .option("--url <base>", "the ingress base URL (default INGRESS_URL, http://127.0.0.1:8080)")
    .option(
      "--mode <mode>",
      "hmac (recommended; needs --secret or SPOTNANA_SIGNING_SECRETS) or oauth (default when no secret is given)",
    )
    .option("--secret <whsec>", "the subscription's whsec_ signing secret")
    .option("--client-id <id>", "OAuth client id (default SPOTNANA_CLIENT_ID or the dev client)")
    .option(
      "--client-secret <secret>",
      "OAuth client secret (default SPOTNANA_CLIENT_SECRET or the dev client)",
    )
    .option("--subscription <name>", "deliver to /webhooks/spotnana/<name>")
    .option("--event-type <type>", "event_type of the sample event", "PNR_V3")
    .option("--operation <operation>", "operation of the sample event", "BOOKING_CREATED")
    .option("--pnr <id>", "PNR id of the sample event (default: a new one)")
    .option("--version <n>", "PNR version of the sample event", "1")
    .option("--file <path>", "send this JSON envelope instead of the sample")
    .option("--json", "print the answer as JSON")
    .action(async (options: SendOptions) => {
      const cfg = config();
      const base = (options.url ?? cfg.ingressUrl).replace(/\/+$/, "");
      const body =
        options.file === undefined
          ? JSON.stringify(sampleEvent(options))
          : readFileSync(options.file, "utf8");
      const secret = options.secret ?? io.env.SPOTNANA_SIGNING_SECRETS?.split(/\s+/)[0];
      const mode = options.mode ?? (secret === undefined || secret === "" ? "oauth" : "hmac");
      let headers: Record<string, string>;
      if (mode === "hmac") {
        if (secret === undefined || secret === "")
          throw new CliExit(2, "--mode hmac needs --secret whsec_… (or SPOTNANA_SIGNING_SECRETS)");
        headers = hmacHeaders(secret, body);
      } else if (mode === "oauth") {
        headers = await bearerHeaders(
          base,
          options.clientId ?? io.env.SPOTNANA_CLIENT_ID ?? devClient.id,
          options.clientSecret ?? io.env.SPOTNANA_CLIENT_SECRET ?? devClient.secret,
        );
      } else {
        throw new CliExit(2, `--mode must be hmac or oauth, not ${mode}`);
      }
      const path =
        options.subscription === undefined ? "" : `/${encodeURIComponent(options.subscription)}`;
      let response: Response;
      try {
        response = await fetch(`${base}/webhooks/spotnana${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        });
      } catch (err) {
        throw new CliExit(
          2,
          `no ingress answers at ${base} (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      const answer = await response.text();
      io.out(
        options.json === true
          ? `${JSON.stringify({ status: response.status, mode, body: JSON.parse(answer) as unknown })}\n`
          : `${response.status} ${answer}\n`,
      );
      if (response.status !== 200)
        throw new CliExit(1, `the ingress answered ${response.status}, not 200`);
    });
}
