import { readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { journalOutcomes } from "@skyhook/queue-kit";
import { type Request, type Response, Router } from "express";
import type { Identity } from "../auth/identity.ts";

const assets = join(dirname(fileURLToPath(import.meta.url)), "assets");
const read = (name: string) => readFileSync(join(assets, name), "utf8");

const contentTypes: Record<string, string> = {
  ".js": "application/javascript",
  ".css": "text/css",
};

/** The page's scripts (ES modules importing each other by relative URL) and stylesheet. */
function staticAssets(): Map<string, { type: string; body: string }> {
  const served = new Map<string, { type: string; body: string }>();
  for (const name of readdirSync(assets)) {
    const type = contentTypes[extname(name)];
    if (type !== undefined) served.set(name, { type, body: read(name) });
  }
  return served;
}

/**
 * The journal search's outcome choices, from the journal's own list, so that an outcome added
 * there is offered here without an edit. The values are fixed words: nothing to escape.
 */
const outcomeOptions = journalOutcomes
  .map((outcome) => `<option value="${outcome}">${outcome}</option>`)
  .join("");

/**
 * The "Replay & ledger" page linked from the board's header: each operation's state with Pause
 * and Resume, the ledger, the journal (a timeline per PNR, trip, traveler or delivery, and a
 * search), kept events by filter, a dry run and a replay of what matches, and the audit trail.
 * Plain HTML, same-origin module scripts and one stylesheet, so it loads under the dashboard's
 * strict CSP with no third-party request. A viewer's page has no Pause, Resume or Replay
 * buttons, only the dry run; the API refuses the rest anyway.
 */
export function operatorPageRouter(options: { identityOf: (req: Request) => Identity }): Router {
  const router = Router();
  const template = read("ops.html").replace("{{outcomeOptions}}", outcomeOptions);
  const pages = {
    viewer: template.replace("{{readOnly}}", "true"),
    operator: template.replace("{{readOnly}}", "false"),
  };
  const served = staticAssets();
  router.get("/", (req: Request, res: Response) => {
    // Relative asset and API URLs resolve under /ops/ only with the trailing slash.
    if (!req.originalUrl.split("?")[0]?.endsWith("/")) {
      res.redirect(301, `${req.originalUrl.split("?")[0]}/`);
      return;
    }
    res.type("html").send(pages[options.identityOf(req).role]);
  });
  router.get("/:asset", (req, res, next) => {
    const asset = served.get(req.params.asset);
    if (asset === undefined) {
      next();
      return;
    }
    res.type(asset.type).send(asset.body);
  });
  return router;
}
