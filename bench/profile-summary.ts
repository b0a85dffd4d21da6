// Summarises a V8 CPU profile written under `BENCH_CPU_PROF_DIR` (docs/benchmarks.md, "Where
// the time goes"): CPU time per job in buckets, module loading and idle time left out.
//   node --import tsx bench/profile-summary.ts <file.cpuprofile> <jobs handled>
import { readFileSync } from "node:fs";
import { z } from "zod";

const CallFrame = z.object({ functionName: z.string(), url: z.string() });
const Profile = z.object({
  nodes: z.array(
    z.object({ id: z.number(), callFrame: CallFrame, children: z.array(z.number()).optional() }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
type Frame = z.infer<typeof CallFrame>;

const [file, jobsArg] = process.argv.slice(2);
const jobs = Number(jobsArg);
if (file === undefined || !Number.isInteger(jobs) || jobs <= 0) {
  process.stderr.write("usage: profile-summary.ts <file.cpuprofile> <jobs handled>\n");
  process.exit(2);
}
const profile = Profile.parse(JSON.parse(readFileSync(file, "utf8")));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

/** The sample's stack, innermost frame first. */
function stackOf(id: number): Frame[] {
  const frames: Frame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at);
    if (node !== undefined) frames.push(node.callFrame);
  }
  return frames;
}

const within = (stack: Frame[], part: string) => stack.some((f) => f.url.includes(part));
const calls = (stack: Frame[], name: string) => stack.some((f) => f.functionName === name);

/** The first rule that matches names the bucket; module loading and idle are not per-job work. */
function bucketOf(stack: Frame[]): string | undefined {
  const self = stack[0]?.functionName ?? "";
  if (self === "(idle)") return undefined;
  if (within(stack, "/modules/esm/") || within(stack, "/modules/cjs/") || within(stack, "tsx"))
    return undefined;
  if (self === "(garbage collector)") return "garbage collection";
  if (within(stack, "packages/handlers/") || within(stack, "packages/booking-store/"))
    return "handler: the booking projection, its Redis command written";
  if (within(stack, "apps/worker/src/")) {
    if (within(stack, "/zod/")) return "worker: zod (job data and payload)";
    if (within(stack, "pino") || within(stack, "prom-client")) return "worker: logging, metrics";
    if (within(stack, "ioredis")) return "worker: entity guard and ledger commands written";
    return "worker: decision, applier, observers (JavaScript)";
  }
  if (calls(stack, "moveToFinished")) return "BullMQ: finishing the job, fetching the next";
  if (within(stack, "bullmq")) return "BullMQ: other (job objects, its socket writes)";
  if (within(stack, "ioredis")) return "ioredis: replies read, other";
  return "other";
}

const buckets = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const bucket = bucketOf(stackOf(id));
  if (bucket === undefined) return;
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...buckets.values()].reduce((a, b) => a + b, 0);
const rows = [...buckets.entries()].sort((a, b) => b[1] - a[1]);
process.stdout.write("| where | µs per job | share |\n| --- | ---: | ---: |\n");
for (const [bucket, us] of rows)
  process.stdout.write(
    `| ${bucket} | ${Math.round(us / jobs)} | ${((100 * us) / total).toFixed(0)} % |\n`,
  );
process.stdout.write(`| **all** | **${Math.round(total / jobs)}** | |\n`);
