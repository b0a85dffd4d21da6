import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScaffoldError, scaffoldHandler } from "./new-handler.ts";
import { biomeCommand, ownRepository } from "./workspace-tools.ts";

/** The files `new-handler` edits, copied from this checkout into a temp dir per test. */
const edited = [
  "packages/contracts/src/operations.ts",
  "apps/worker/src/handlers.ts",
  "apps/worker/package.json",
  "docker-compose.yml",
  "deploy/kubernetes/base/kustomization.yaml",
];
const operations = "packages/contracts/src/operations.ts";
const handlers = "apps/worker/src/handlers.ts";

let root: string;
const read = (path: string) => readFileSync(join(root, path), "utf8");
const change = (path: string, f: (text: string) => string) =>
  writeFileSync(join(root, path), f(read(path)));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "skyhook-scaffold-"));
  for (const file of edited) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(join(ownRepository, file), join(root, file));
  }
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every comment but the `// skyhook:` markers, replaced by other words. */
const reword = (text: string) =>
  text
    .replace(/\/\*\*?[\s\S]*?\*\//g, "/** Said differently now. */")
    .replace(/\/\/(?! skyhook:).*$/gm, "// also said differently");

describe("scaffoldHandler", () => {
  it("registers the handler at the markers, whatever the comments around them say", () => {
    change(operations, reword);
    change(handlers, reword);
    scaffoldHandler(root, "PNR_V3", "BOOKING_TICKETED");

    const contract = read(operations);
    expect(contract).toContain("export const bookingTicketed = defineOperation({");
    expect(contract.indexOf("export const bookingTicketed")).toBeLessThan(
      contract.indexOf("export const routedOperations"),
    );
    expect(contract).toMatch(/routedOperations = \[[^\]]*\bbookingTicketed,[^\]]*\]/);
    const worker = read(handlers);
    expect(worker).toMatch(
      /^import \{ bookingTicketedHandler \} from\s"@skyhook\/handler-booking-ticketed";$/m,
    );
    expect(worker).toMatch(/installedHandlers[^=]*= \[[^\]]*\bbookingTicketedHandler,[^\]]*\]/);
    expect(existsSync(join(root, "packages/handlers/booking-ticketed/src/index.ts"))).toBe(true);
  });

  it.each([
    [operations, "skyhook:operations"],
    [operations, "skyhook:routed-operations"],
    [handlers, "skyhook:handler-imports"],
    [handlers, "skyhook:installed-handlers"],
  ])("refuses, naming %s and the marker, when // %s is missing", (path, marker) => {
    change(path, (text) => text.replace(new RegExp(`^.*// ${marker}\\b.*\\n`, "m"), ""));
    const before = edited.map(read);
    expect(() => scaffoldHandler(root, "PNR_V3", "BOOKING_TICKETED")).toThrow(
      new ScaffoldError(
        `${path}: no "// ${marker}" line; put the marker back on a line of its own where new-handler should insert`,
      ),
    );
    expect(edited.map(read), "no file was changed").toEqual(before);
    expect(existsSync(join(root, "packages/handlers/booking-ticketed"))).toBe(false);
  });

  it("refuses a marker that appears twice, since it cannot tell which one is meant", () => {
    change(handlers, (text) => `${text}// skyhook:installed-handlers\n`);
    expect(() => scaffoldHandler(root, "PNR_V3", "BOOKING_TICKETED")).toThrow(
      `${handlers}: "// skyhook:installed-handlers" appears 2 times; keep one`,
    );
    expect(existsSync(join(root, "packages/handlers/booking-ticketed"))).toBe(false);
  });

  it("registers a second handler after Biome has formatted the first one's registration", () => {
    copyFileSync(join(ownRepository, "biome.json"), join(root, "biome.json"));
    const first = scaffoldHandler(root, "PNR_V3", "BOOKING_TICKETED");
    const [biome, ...args] = biomeCommand(ownRepository);
    execFileSync(biome, [...args, "check", "--write", ...first.files], { cwd: root });
    const formatted = read(handlers);
    expect(formatted.indexOf("handler-booking-ticketed"), "Biome sorted the imports").toBeLessThan(
      formatted.indexOf("handler-flight-cancelled"),
    );
    const lastImport = formatted.lastIndexOf("\nimport ");
    expect(formatted.indexOf("\n// skyhook:handler-imports\n"), "still under the imports").toBe(
      formatted.indexOf("\n", formatted.indexOf(";", lastImport)),
    );
    scaffoldHandler(root, "PNR_V3", "TICKET_VOIDED");
    const worker = read(handlers);
    expect(worker).toMatch(
      /^import \{ ticketVoidedHandler \} from\s"@skyhook\/handler-ticket-voided";$/m,
    );
    expect(worker).toMatch(
      /bookingTicketedHandler,\n {2}ticketVoidedHandler,\n {2}\/\/ skyhook:installed/,
    );
    expect(read(operations)).toMatch(
      /bookingTicketed,\n {2}ticketVoided,\n {2}\/\/ skyhook:routed/,
    );
  });
});
