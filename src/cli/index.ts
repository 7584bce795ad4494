export type { CliIo, TextSink } from "./io.js";
export { processIo } from "./io.js";
export { runCli } from "./run.js";
