export { CliEnv, loadCliConfig } from "./config.ts";
export { CliExit, type CliIo } from "./io.ts";
export { createProgram } from "./program.ts";
export { scaffoldHandler } from "./scaffold/new-handler.ts";
export { pnpmCommand } from "./scaffold/workspace-tools.ts";
