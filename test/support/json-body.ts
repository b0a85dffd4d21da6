import { z } from "zod";

/** An HTTP body that is not JSON, or not of the shape a test expects of it. */
export class UnexpectedBody extends Error {
  override name = "UnexpectedBody";
}

const preview = (text: string) => (text.length > 500 ? `${text.slice(0, 500)}…` : text);

/**
 * The one way tests read a JSON body: parsed by the schema of what they expect. A body of the
 * wrong shape fails the test with zod's message (each wrong path named), what was read and the
 * start of the body, where a cast would have let it pass.
 */
export function parseJsonAs<Schema extends z.ZodType>(
  body: string | Buffer,
  schema: Schema,
  what = "the body",
): z.output<Schema> {
  const text = typeof body === "string" ? body : body.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UnexpectedBody(`${what} is not JSON: ${preview(text)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new UnexpectedBody(
      `${what} is not of the expected shape:\n${z.prettifyError(parsed.error)}\n` +
        `body: ${preview(text)}`,
    );
  }
  return parsed.data;
}

/** The JSON body of a `fetch` answer, parsed by `schema` (see `parseJsonAs`). */
export async function jsonOf<Schema extends z.ZodType>(
  response: Response,
  schema: Schema,
): Promise<z.output<Schema>> {
  const what = `the ${response.status} answer of ${response.url || "a request"}`;
  return parseJsonAs(await response.text(), schema, what);
}
