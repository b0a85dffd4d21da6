import { createInterface } from "node:readline/promises";
import { createProgram } from "./program.ts";

const ask = process.stdin.isTTY
  ? async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    }
  : undefined;

const program = createProgram({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
  ask,
  env: process.env,
});
process.exitCode = await program.run(process.argv.slice(2));
