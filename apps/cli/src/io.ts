/** Where a command writes and what it may ask; tests pass their own. */
export type CliIo = {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress redraws one line instead of printing many. */
  interactive: boolean;
  /** Asks a question on the terminal; undefined when there is none to ask. */
  ask?: ((question: string) => Promise<string>) | undefined;
  env: NodeJS.ProcessEnv;
};

/** Thrown by a command to end with a message and an exit status, without a stack trace. */
export class CliExit extends Error {
  override name = "CliExit";
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * A progress line for long operations: redrawn in place on a terminal, otherwise printed at
 * most every 10 % so logs of a scripted run stay short.
 */
export function progressLine(io: CliIo, label: string) {
  let lastTenth = -1;
  return {
    update(done: number, total: number) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (io.interactive) {
        io.err(`\r${label} ${done}/${total} (${percent} %)${done === total ? "\n" : ""}`);
        return;
      }
      const tenth = Math.floor(percent / 10);
      if (tenth !== lastTenth || done === total) {
        lastTenth = tenth;
        io.err(`${label} ${done}/${total} (${percent} %)\n`);
      }
    },
  };
}
