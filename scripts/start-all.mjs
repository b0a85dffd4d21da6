// Runs the ingress, a worker and the dashboard as three processes, as they are deployed, with
// each output line prefixed by its name. A signal stops all three; if one dies, so do the rest.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const apps = ["ingress", "worker", "dashboard"];
const children = apps.map((app) => {
  const child = spawn(process.execPath, ["--import", "tsx", `apps/${app}/src/main.ts`], {
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: Ctrl-C reaches only this runner, which forwards one SIGTERM. Had the
    // children seen the terminal's SIGINT too, the forwarded signal would be their second,
    // and a second signal means "exit now", skipping the graceful stop.
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) =>
      console.log(`[${app.padEnd(9)}] ${line}`),
    );
  }
  return { app, child };
});

let stopping = false;
const stopAll = (signal) => {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) if (child.exitCode === null) child.kill(signal);
};
process.on("SIGINT", () => stopAll("SIGTERM"));
process.on("SIGTERM", () => stopAll("SIGTERM"));

let failed = false;
await Promise.all(
  children.map(
    ({ app, child }) =>
      new Promise((resolve) => {
        child.on("exit", (code) => {
          if (!stopping) {
            console.error(`[${app}] exited with code ${code}; stopping the others`);
            failed = true;
            stopAll("SIGTERM");
          }
          resolve();
        });
      }),
  ),
);
process.exit(failed ? 1 : 0);
