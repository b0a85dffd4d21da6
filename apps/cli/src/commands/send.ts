import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { EventType } from "@skyhook/contracts";
import { createSendingNode, envelope, samplePayload, TokenRefused } from "@skyhook/spotnana-sender";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";
import { senderAuth } from "../sender-auth.ts";

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

/** The sample of the event type asked for; an event type the contracts do not know gets a PNR's. */
function sampleEvent(options: SendOptions) {
  const known = EventType.safeParse(options.eventType);
  const eventType = known.success ? known.data : "PNR_V3";
  const prefix = eventType === "PNR_V3" ? "PNR" : eventType;
  const id = options.pnr ?? `${prefix}-${randomUUID().slice(0, 8)}`;
  const payload = samplePayload(eventType, options.operation, id, Number(options.version));
  return envelope(options.operation, payload, options.eventType);
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
    .option(
      "--pnr <id>",
      "id of the sample event's entity: its PNR for PNR_V3 (default: a new one)",
    )
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
      const auth = senderAuth(options, io.env);
      const path =
        options.subscription === undefined ? "" : `/${encodeURIComponent(options.subscription)}`;
      const node = createSendingNode({
        url: `${base}/webhooks/spotnana${path}`,
        auth: auth.mode === "oauth" ? { ...auth, tokenUrl: `${base}/oauth/token` } : auth,
      });
      let response: Response;
      try {
        response = await node.deliver(body);
      } catch (err) {
        if (err instanceof TokenRefused) throw new CliExit(1, err.message);
        throw new CliExit(
          2,
          `no ingress answers at ${base} (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      const answer = await response.text();
      io.out(
        options.json === true
          ? `${JSON.stringify({ status: response.status, mode: auth.mode, body: JSON.parse(answer) as unknown })}\n`
          : `${response.status} ${answer}\n`,
      );
      if (response.status !== 200)
        throw new CliExit(1, `the ingress answered ${response.status}, not 200`);
    });
}
