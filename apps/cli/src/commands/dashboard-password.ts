import { hashPassword, weakPasswordReason } from "@skyhook/service-kit";
import type { Command } from "commander";
import { CliExit, type CliIo } from "../io.ts";

/** Reads one line from a terminal without echoing it. */
function readHidden(input: NodeJS.ReadStream, io: CliIo, question: string): Promise<string> {
  // Echo goes off before the prompt shows, or a quick typist's first keys are echoed.
  input.setRawMode(true);
  io.err(question);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const done = (result: () => void) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      io.err("\n");
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return done(() => resolve(typed));
        if (char === "\u0003") return done(() => reject(new CliExit(130, "interrupted")));
        typed = char === "\u007f" || char === "\b" ? typed.slice(0, -1) : typed + char;
      }
    };
    input.on("data", onData);
  });
}

/** The first line of everything piped in, so `printf '%s' "$PW" | skyhook …` and files both work. */
async function readPiped(input: NodeJS.ReadStream): Promise<string> {
  let all = "";
  for await (const chunk of input) all += String(chunk);
  return all.split(/\r?\n/, 1)[0] ?? "";
}

/**
 * `skyhook dashboard-password`: the scrypt hash of a password for the dashboard's users file.
 * The password is read from the terminal (twice, not echoed) or from stdin, never from an
 * argument, where it would land in the shell's history and the process list.
 */
export function dashboardPasswordCommand(
  program: Command,
  io: CliIo,
  input: NodeJS.ReadStream = process.stdin,
): void {
  program
    .command("dashboard-password")
    .description(
      "Print the scrypt hash of a password read from the terminal (twice, not echoed) or stdin, for a DASHBOARD_USERS_FILE line `name:role:hash`",
    )
    .action(async () => {
      let password: string;
      if (input.isTTY) {
        password = await readHidden(input, io, "Password: ");
        if ((await readHidden(input, io, "Again: ")) !== password)
          throw new CliExit(2, "the two passwords differ; nothing printed");
      } else {
        password = await readPiped(input);
      }
      const weak = weakPasswordReason(password);
      if (weak !== undefined) throw new CliExit(2, `password refused (${weak}); nothing printed`);
      io.out(`${await hashPassword(password)}\n`);
    });
}
