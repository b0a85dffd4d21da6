import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const ticksPerSec =
  Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time (user + system) a process has used so far, in µs, or undefined once it is gone. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name, which is in parentheses and may hold spaces; utime
    // and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSec;
  } catch {
    return undefined;
  }
}

const selfMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

/** µs of CPU per event, by process label. */
export type CpuPerEvent = Record<string, number>;

/**
 * Starts counting the CPU the given processes use (`"self"`: this one, the benchmark's own
 * sender); the returned function divides what each used since by the events handled.
 */
export function countCpu(processes: Record<string, number | "self">) {
  const read = (pid: number | "self") => (pid === "self" ? selfMicros() : cpuMicros(pid));
  const started = Object.entries(processes).map(([label, pid]) => [label, pid, read(pid)] as const);
  return (events: number): CpuPerEvent => {
    const out: CpuPerEvent = {};
    for (const [label, pid, before] of started) {
      const after = read(pid);
      if (before !== undefined && after !== undefined && events > 0)
        out[label] = (after - before) / events;
    }
    return out;
  };
}
