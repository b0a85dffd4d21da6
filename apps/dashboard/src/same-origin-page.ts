import type { NextFunction, Request, Response } from "express";

/**
 * A `<link>` or `<script src>` whose address names an origin (`https://…`, `http://…`,
 * `//…`). Relative addresses (bull-board's own assets, resolved against `<base href>`) never do.
 */
const externalLink = /<link\b[^>]*\bhref\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>\s*/gi;
const externalScript =
  /<script\b[^>]*\bsrc\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>\s*<\/script>\s*/gi;

/** The page without elements that would load from another origin. */
export function withoutExternalAssets(html: string): string {
  return html.replace(externalLink, "").replace(externalScript, "");
}

/**
 * bull-board's page template loads its web fonts from Google Fonts: every page view would tell
 * a third party that someone opened the dashboard, from where, and when, and on a network
 * without internet access the page waits for a request that never answers. The UI names
 * system fonts after the web fonts, so dropping the `<link>` changes only the typeface.
 *
 * bull-board 9.10.1 has no option for it; its Express adapter renders the page with
 * `res.render`, so this wraps `res.render` for the requests it serves and removes such elements
 * from the rendered HTML. Should a later version render differently, this stops matching and
 * the content security policy (same origin only) still keeps the browser from making the
 * request; the browser test notices either way.
 */
export function sameOriginPage() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const render = res.render.bind(res);
    res.render = ((view: string, options?: object, callback?: unknown) => {
      if (typeof options === "function" || typeof callback === "function") {
        // A caller that handles the HTML itself: not bull-board's entry page; left as it is.
        return render(view, options as never, callback as never);
      }
      render(view, options ?? {}, (err: Error | null, html?: string) => {
        if (err !== null) {
          // As Express's own render does: to whichever router is handling the request now.
          req.next?.(err);
          return;
        }
        res.send(withoutExternalAssets(html ?? ""));
      });
    }) as Response["render"];
    next();
  };
}
