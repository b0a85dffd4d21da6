import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Request, type Response, Router } from "express";
import type { Identity } from "../auth/identity.ts";

const assets = join(dirname(fileURLToPath(import.meta.url)), "assets");
const read = (name: string) => readFileSync(join(assets, name), "utf8");

/**
 * The "Replay & ledger" page linked from the board's header: each operation's state with Pause
 * and Resume, kept events by filter, a dry run and a replay of what matches, the ledger and the
 * audit trail. Plain HTML, one same-origin script and one stylesheet, so it loads under the
 * dashboard's strict CSP with no third-party request. A viewer's page has no Pause, Resume or
 * Replay buttons, only the dry run; the API refuses the rest anyway.
 */
export function opsPageRouter(options: { identityOf: (req: Request) => Identity }): Router {
  const router = Router();
  const template = read("ops.html");
  const pages = {
    viewer: template.replace("{{readOnly}}", "true"),
    operator: template.replace("{{readOnly}}", "false"),
  };
  const script = read("ops.js");
  const style = read("ops.css");
  router.get("/", (req: Request, res: Response) => {
    // Relative asset and API URLs resolve under /ops/ only with the trailing slash.
    if (!req.originalUrl.split("?")[0]?.endsWith("/")) {
      res.redirect(301, `${req.originalUrl.split("?")[0]}/`);
      return;
    }
    res.type("html").send(pages[options.identityOf(req).role]);
  });
  router.get("/ops.js", (_req, res) => {
    res.type("application/javascript").send(script);
  });
  router.get("/ops.css", (_req, res) => {
    res.type("text/css").send(style);
  });
  return router;
}
