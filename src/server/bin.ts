#!/usr/bin/env node
/**
 * The `coffer` executable (package.json "bin"). The server layer owns it
 * because only the composition root may import the server: `coffer server
 * ...` starts one, every other command goes to the CLI, which talks to a
 * server over HTTP only. The server is imported lazily so CLI commands do not
 * load it.
 */
import { runCli } from "../cli/index.js";

const argv = process.argv.slice(2);
const exitCode =
  argv[0] === "server" ? await (await import("./index.js")).runServer(argv.slice(1)) : await runCli(argv);
process.exitCode = exitCode;
