import { describe, expect, it } from "vitest";
import { withoutExternalAssets } from "./same-origin-page.ts";

describe("withoutExternalAssets", () => {
  it.each([
    '<link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans&display=swap" rel="stylesheet">',
    "<link rel='stylesheet' href='http://cdn.example/a.css'>",
    '<link rel="preconnect" href="//fonts.gstatic.com" crossorigin>',
    "<link rel=stylesheet href=https://cdn.example/b.css>",
    '<script defer src="https://cdn.example/x.js"></script>',
  ])("removes %s", (element) => {
    const html = `<head><title>t</title>\n    ${element}\n<link href="static/css/main.css" rel="stylesheet"></head>`;
    expect(withoutExternalAssets(html)).toBe(
      '<head><title>t</title>\n    <link href="static/css/main.css" rel="stylesheet"></head>',
    );
  });

  it("keeps the page's own assets, its base and its inline data block", () => {
    const html = [
      '<base href="/ops/queues/" />',
      '<link rel="icon" type="image/svg+xml" href="static/images/logo.svg">',
      '<link href="/ops/queues/static/css/main.css" rel="stylesheet">',
      '<script id="__UI_CONFIG__" type="application/json">{"url":"https://example.com"}</script>',
      '<script defer src="static/js/main.js"></script>',
    ].join("\n");
    expect(withoutExternalAssets(html)).toBe(html);
  });
});
