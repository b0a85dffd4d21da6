import { ConfigError } from "@skyhook/service-kit";
import { Command, CommanderError } from "commander";
import { dashboardPasswordCommand } from "./commands/dashboard-password.ts";
import { driftCommand } from "./commands/drift.ts";
import { holdCommands } from "./commands/holds.ts";
import { journalCommands } from "./commands/journal.ts";
import { keptCommands } from "./commands/kept.ts";
import { ledgerCommands } from "./commands/ledger.ts";
import { newHandlerCommand } from "./commands/new-handler.ts";
import { sendCommand } from "./commands/send.ts";
import { simulateCommand } from "./commands/simulate.ts";
import { type CliConfig, loadCliConfig } from "./config.ts";
import { CliExit, type CliIo } from "./io.ts";

/** The `skyhook` command line; `run` resolves with the exit status. */
export function createProgram(io: CliIo) {
  let config: CliConfig | undefined;
  const lazyConfig = () => {
    config ??= loadCliConfig(io.env);
    return config;
  };
  const program = new Command("skyhook")
    .description(
      "Operate Skyhook: inspect, replay and purge kept events, check the ledger, trace a PNR or delivery and search the journal, pause and resume operations, report contract drift, send a test delivery, simulate Spotnana, add a handler.\nReads REDIS_URL and QUEUE_PREFIX like the services.",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();
  keptCommands(program, lazyConfig, io);
  ledgerCommands(program, lazyConfig, io);
  journalCommands(program, lazyConfig, io);
  holdCommands(program, lazyConfig, io);
  driftCommand(program, lazyConfig, io);
  sendCommand(program, lazyConfig, io);
  simulateCommand(program, lazyConfig, io);
  newHandlerCommand(program, io);
  dashboardPasswordCommand(program, io);
  for (const command of program.commands) command.exitOverride();

  return {
    /** The commands and their options as defined, for checks that the docs name only these. */
    commands: program.commands,
    async run(argv: readonly string[]): Promise<number> {
      try {
        await program.parseAsync([...argv], { from: "user" });
        return 0;
      } catch (err) {
        if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
        if (err instanceof CliExit) {
          io.err(`skyhook: ${err.message}\n`);
          return err.exitCode;
        }
        if (err instanceof ConfigError) {
          io.err(`skyhook: ${err.message}\n`);
          return 2;
        }
        io.err(`skyhook: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    },
  };
}
