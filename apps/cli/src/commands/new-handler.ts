import { spawnSync } from "node:child_process";
import type { Command } from "commander";
import { CliExit, type CliIo } from "../io.ts";
import { ScaffoldError, scaffoldHandler } from "../scaffold/new-handler.ts";
import { biomeCommand, ownRepository, pnpmCommand } from "../scaffold/workspace-tools.ts";

function run(io: CliIo, root: string, [command, ...args]: [string, ...string[]]): void {
  const shown = `${command} ${args.join(" ")}`;
  io.err(`$ ${shown}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (result.error !== undefined)
    throw new CliExit(1, `${shown} could not start: ${result.error.message}`);
  if (result.status !== 0)
    throw new CliExit(1, `${shown} failed (exit ${result.status ?? result.signal})`);
}

export function newHandlerCommand(program: Command, io: CliIo): void {
  program
    .command("new-handler")
    .description(
      "Create the handler package for EVENT_TYPE OPERATION with its test, register it (contracts, worker, docker-compose.yml, deploy/kubernetes) and install it",
    )
    .argument("<EVENT_TYPE>", "e.g. PNR_V3")
    .argument("<OPERATION>", "e.g. BOOKING_TICKETED")
    .option("--root <dir>", "the repository to change (default: the one this CLI belongs to)")
    .option("--no-install", "do not run pnpm install afterwards")
    .action(
      (eventType: string, operation: string, options: { root?: string; install: boolean }) => {
        const root = options.root ?? ownRepository;
        let made: ReturnType<typeof scaffoldHandler>;
        try {
          made = scaffoldHandler(root, eventType, operation);
        } catch (err) {
          if (err instanceof ScaffoldError) throw new CliExit(1, err.message);
          throw err;
        }
        for (const file of made.files) io.out(`  wrote ${file}\n`);
        run(io, root, [...biomeCommand(root), "check", "--write", ...made.files]);
        if (options.install)
          run(io, root, [
            ...pnpmCommand(root),
            "install",
            "--prefer-offline",
            "--no-frozen-lockfile",
          ]);
        io.out(
          [
            `Created ${made.packageName} in ${made.packageDir} and registered it.`,
            `Next: write the handler in ${made.packageDir}/src, run the tests (./scripts/test.sh),`,
            `deploy a worker with WORKER_OPERATIONS=${eventType.toUpperCase()}/${operation.toUpperCase()} (compose service ${made.service}).`,
            "The ingress routes to it and the dashboard lists it once that worker runs; it adopts what waits in the catch-all.",
            "",
          ].join("\n"),
        );
      },
    );
}
