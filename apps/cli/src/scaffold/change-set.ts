import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The files a scaffold writes, held until all of them are known: a refusal half-way (a missing
 * marker, say) leaves the checkout as it was instead of half-registered.
 */
export type ChangeSet = {
  /** Every path staged, in the order it was first staged. */
  readonly paths: string[];
  /** The text `path` will have: what was staged for it, else what is on disk. */
  read(path: string): string;
  stage(path: string, text: string): void;
  /** Writes every staged file, creating its folders. */
  apply(): void;
};

export function createChangeSet(root: string): ChangeSet {
  const staged = new Map<string, string>();
  const paths: string[] = [];
  return {
    paths,
    read: (path) => staged.get(path) ?? readFileSync(join(root, path), "utf8"),
    stage(path, text) {
      if (!staged.has(path)) paths.push(path);
      staged.set(path, text);
    },
    apply() {
      for (const [path, text] of staged) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
    },
  };
}
