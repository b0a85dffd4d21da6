import type { NextFunction, Request, RequestHandler, Response } from "express";
import helmet from "helmet";

/**
 * helmet's defaults, made to work for a dashboard reached over plain HTTP at any address.
 *
 * helmet always sends `upgrade-insecure-requests` and HSTS. Over plain HTTP at any host other
 * than `localhost` (which browsers treat as secure), the first makes the browser fetch every
 * script and stylesheet over https, where nothing answers: the page never loads. Both belong
 * only to a board that is served over TLS, so they are sent when the request arrived over TLS
 * (`req.secure`, which honours `X-Forwarded-Proto` from a proxy trusted by `trust proxy`), or
 * always when the operator declared the board HTTPS-only.
 *
 * The policy allows the page's own origin only: bull-board's scripts, styles, fonts, images and
 * API calls are all same-origin, and nothing may be loaded from anywhere else. Its one inline
 * `<script>` is a JSON data block, which script-src does not govern. Inline styles stay
 * allowed, as in helmet's default: the page template and the UI's components set them, and a
 * style cannot run code nor, with every other source same-origin, send anything anywhere.
 */
export function securityHeaders(options: { httpsOnly: boolean }): RequestHandler {
  const directives = {
    "default-src": ["'self'"],
    "base-uri": ["'self'"],
    "connect-src": ["'self'"],
    "font-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "script-src": ["'self'"],
    "script-src-attr": ["'none'"],
    "style-src": ["'self'", "'unsafe-inline'"],
  };
  const overTls = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...directives, "upgrade-insecure-requests": [] },
    },
  });
  const plain = helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: false,
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    (options.httpsOnly || req.secure ? overTls : plain)(req, res, next);
  };
}
