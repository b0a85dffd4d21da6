import type { UIConfig } from "@bull-board/api/typings/app";

/**
 * The operator page for replaying dead letters and reading the ledger, linked from the board's
 * header. It is served by its own route under the board's base path; the link exists before the
 * page does, so wiring the page is only a matter of mounting a route at this path.
 */
export const opsPage = { label: "Replay & ledger", path: "ops" } as const;

/** `<basePath>/ops`, for a base path normalised as the config does (`/` or `/a/b`). */
export function opsPageUrl(basePath: string): string {
  return `${basePath === "/" ? "" : basePath}/${opsPage.path}`;
}

/**
 * Every timestamp with its date and its zone. bull-board shortens today's times to `14:03:07`
 * and this year's to a day and month; an operator comparing the board with logs and with
 * Spotnana's delivery times across zones needs the whole instant every time. The month is
 * spelled out, so `01 Jun 2026` and `Jun 01, 2026` read the same in every browser locale.
 */
export function dateFormatsFor(timeZone: string): NonNullable<UIConfig["dateFormats"]> {
  const full: Intl.DateTimeFormatOptions = {
    year: "numeric",
    month: "short",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZone,
    timeZoneName: "short",
  };
  return { short: full, common: full, full };
}

export function uiConfigFor(options: {
  readOnly: boolean;
  basePath: string;
  timeZone: string;
}): UIConfig {
  return {
    boardTitle: options.readOnly ? "Skyhook (read-only)" : "Skyhook",
    dateFormats: dateFormatsFor(options.timeZone),
    miscLinks: [{ text: opsPage.label, url: opsPageUrl(options.basePath) }],
    // The docs icon links to bull-board's own site: of no use to an operator of this system.
    hideDocsLink: true,
    // The sidebar lists raw queue names; at the default width the suffix that tells an
    // operation's dead letters from its skipped-stale events is cut off.
    menu: { width: "25rem" },
  };
}
