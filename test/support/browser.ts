import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

/**
 * Debian's Chromium, headless, for tests that open the dashboard as an operator does. See
 * test/dashboard-browser.test.ts for why the dashboard listens on 127.0.0.2 and the browser
 * reaches it by a host name it cannot know to be loopback: a non-secure context, as on a LAN.
 */
export const chromiumPath = "/usr/bin/chromium";
export const haveChromium = existsSync(chromiumPath);
export const inCi = (process.env.CI ?? "") !== "" && process.env.CI !== "false";
/** Skip where Chromium is missing, except in CI, where its absence is a failure. */
export const skipWithoutChromium = !haveChromium && !inCi;

export const dashboardAddress = "127.0.0.2";
export const dashboardHostName = "skyhook-dashboard.test";

/** Launches Chromium resolving `dashboardHostName` to `dashboardAddress` and nothing else. */
export async function launchChromium(): Promise<Browser> {
  if (!haveChromium) {
    throw new Error(
      `CI is set but ${chromiumPath} is missing: .ci/run installs Chromium with apt-get; it failed`,
    );
  }
  // Playwright gives every launch a fresh, temporary user-data directory.
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--host-resolver-rules=MAP ${dashboardHostName} ${dashboardAddress}`,
    ],
  });
}

export type RecordingContext = {
  context: BrowserContext;
  /** Every URL any of its pages asked for. */
  requests: string[];
  /** Policy violations, refusals and uncaught errors on any of its pages. */
  problems: string[];
};

/**
 * A signed-in browser context that records what its pages request and what goes wrong on them:
 * each page reports a content-security-policy violation where it happens, to its console.
 */
export async function recordingContext(
  browser: Browser,
  httpCredentials: { username: string; password: string },
): Promise<RecordingContext> {
  const requests: string[] = [];
  const problems: string[] = [];
  const context = await browser.newContext({
    httpCredentials,
    locale: "en-US",
    viewport: { width: 1440, height: 900 },
  });
  context.on("request", (request) => requests.push(request.url()));
  await context.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (e) =>
      console.error("policy violation: " + e.violatedDirective + " " + e.blockedURI));`,
  });
  context.on("page", (page) => {
    page.on("console", (message) => {
      if (/content security policy|refused to|policy violation/i.test(message.text()))
        problems.push(message.text());
    });
    page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
  });
  return { context, requests, problems };
}
