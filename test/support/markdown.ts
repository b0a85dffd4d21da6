/**
 * Just enough Markdown for the docs test: fenced code, inline code, links, headings (with
 * GitHub's anchors) and tables. It reads the subset these docs are written in, not every
 * CommonMark corner: no reference-style links, no indented code blocks, no HTML.
 */

/** Where a command is shown: the wrapper, `pnpm skyhook`, or the image's `node apps/cli/…`. */
export const skyhookCall =
  /(?:\.\/scripts\/skyhook|(?<![\w./@-])pnpm skyhook|apps\/cli\/src\/main\.ts)(?=\s|$)/;
/** pnpm, or pnpm run through npx (`npx -y pnpm@12.4.2 …`); not `.pnpmfile.cjs` nor a path. */
export const pnpmCall = /(?<![\w./@-])pnpm(?:@[\d.]+)?(?=\s)/;

export type MarkdownDoc = {
  /** Each fenced block's text, its `\`-continued lines joined. */
  codeBlocks: string[];
  /** Each inline code span's text, spans broken over lines included. */
  inlineCode: string[];
  /** Link targets outside code, as written (`docs/x.md#anchor`, `#anchor`, `https://…`). */
  links: string[];
  /** The anchor GitHub gives each heading, in order. */
  anchors: string[];
  /** Each table: its rows (header first, the `---` row left out), each a list of cells. */
  tables: Array<{ heading: string; rows: string[][] }>;
};

const fence = /^\s*```/;
const codeSpan = /`([^`]+)`/g;
const link = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

/** Heading text as GitHub renders it: code marks, emphasis and link targets gone. */
const renderedText = (heading: string) =>
  heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .replace(/\*/g, "");

/**
 * GitHub's heading anchor (github-slugger): lower case, every character but letters, marks,
 * digits, `_`, `-` and spaces dropped, spaces turned into hyphens. Repeats get `-1`, `-2`, … .
 */
export function githubSlug(heading: string): string {
  return renderedText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Splits a table row into cells, keeping `\|` (an escaped bar inside a cell) in its cell. */
const cellsOf = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, "|"));

export function parseMarkdown(text: string): MarkdownDoc {
  const doc: MarkdownDoc = { codeBlocks: [], inlineCode: [], links: [], anchors: [], tables: [] };
  const seen = new Map<string, number>();
  let block: string[] | undefined;
  let paragraph: string[] = [];
  let heading = "";
  let table: string[][] | undefined;

  const endParagraph = () => {
    const joined = paragraph.join(" ");
    paragraph = [];
    for (const match of joined.matchAll(codeSpan)) doc.inlineCode.push(match[1] ?? "");
    for (const match of joined.replace(codeSpan, "code").matchAll(link))
      doc.links.push(match[1] ?? "");
  };
  const endTable = () => {
    if (table !== undefined) doc.tables.push({ heading, rows: table });
    table = undefined;
  };

  for (const line of text.split("\n")) {
    if (fence.test(line)) {
      if (block === undefined) {
        endParagraph();
        endTable();
        block = [];
      } else {
        doc.codeBlocks.push(block.join("\n").replace(/\\\n\s*/g, " "));
        block = undefined;
      }
      continue;
    }
    if (block !== undefined) {
      block.push(line);
      continue;
    }
    const headingMatch = /^(#{1,6})\s+(.*)$/.exec(line);
    if (headingMatch) {
      endParagraph();
      endTable();
      heading = headingMatch[2] ?? "";
      const slug = githubSlug(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      doc.anchors.push(count === 0 ? slug : `${slug}-${count}`);
      paragraph.push(heading);
      endParagraph();
      continue;
    }
    if (line.trim().startsWith("|")) {
      if (table === undefined) {
        endParagraph();
        table = [];
      }
      if (!/^\s*\|[\s:|-]+\|\s*$/.test(line)) table.push(cellsOf(line));
      paragraph.push(line);
      endParagraph();
      continue;
    }
    endTable();
    if (line.trim() === "") endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  endTable();
  return doc;
}

/** Every run of `program` in a piece of shell: the words after it, up to where its command ends. */
export function invocationsOf(shell: string, program: RegExp): string[][] {
  const found: string[][] = [];
  for (const line of shell.split("\n")) {
    for (const match of line.matchAll(new RegExp(program.source, "g"))) {
      // A comment, a pipe, a redirection, a list operator or a closing $( … ) ends the command.
      const rest = line.slice(match.index + match[0].length);
      const words = rest.split(/\s#|\s\||\s>|[;&)"'`]/)[0] ?? "";
      found.push(
        words
          .trim()
          .split(/\s+/)
          .filter((word) => word !== ""),
      );
    }
  }
  return found;
}
