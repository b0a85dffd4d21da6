export type Sample = { name: string; labels: Record<string, string>; value: number };

export type Scrape = {
  samples: Sample[];
  /** `# TYPE` lines: metric name → counter, gauge, histogram, … */
  types: Map<string, string>;
  /** Samples of `name` whose labels include every label in `where`. */
  find(name: string, where?: Record<string, string>): Sample[];
  /** The one sample of `name` with exactly these labels, or undefined. */
  value(name: string, where?: Record<string, string>): number | undefined;
};

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

const unescapeLabel = (value: string) =>
  value.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));

/** Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case. */
function parseValue(raw: string): number | undefined {
  const lower = raw.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  const value = Number(raw);
  return Number.isNaN(value) ? undefined : value;
}

/** Parses Prometheus's text exposition format (version 0.0.4), strictly: a bad line throws. */
export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type?.[1] !== undefined && type[2] !== undefined) types.set(type[1], type[2]);
      continue;
    }
    const match = sampleLine.exec(line);
    if (match?.[1] === undefined || match[3] === undefined)
      throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? "";
    labelPair.lastIndex = 0;
    let consumed = 0;
    for (let pair = labelPair.exec(body); pair !== null; pair = labelPair.exec(body)) {
      if (pair[1] !== undefined && pair[2] !== undefined) labels[pair[1]] = unescapeLabel(pair[2]);
      consumed = labelPair.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels in: ${line}`);
    const value = parseValue(match[3]);
    if (value === undefined) throw new Error(`bad value in: ${line}`);
    samples.push({ name: match[1], labels, value });
  }
  const matches = (sample: Sample, where: Record<string, string>) =>
    Object.entries(where).every(([k, v]) => sample.labels[k] === v);
  return {
    samples,
    types,
    find: (name, where = {}) => samples.filter((s) => s.name === name && matches(s, where)),
    value(name, where = {}) {
      const found = samples.filter(
        (s) =>
          s.name === name &&
          matches(s, where) &&
          Object.keys(s.labels).length === Object.keys(where).length,
      );
      return found.length === 1 ? found[0]?.value : undefined;
    },
  };
}

/** GETs `<opsUrl>/metrics` and parses it; fails on anything but a 200 in the text format. */
export async function scrape(opsUrl: string): Promise<Scrape> {
  const response = await fetch(`${opsUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`/metrics content-type ${type}`);
  return parsePrometheus(await response.text());
}
