/**
 * Runs a real `coffer server` process (the built dist/ executable) for
 * black-box tests: start it from a config text or dev flags, wait until its
 * API answers, stop it gracefully (SIGTERM) or kill it (SIGKILL). Output is
 * kept so a failing test can print it. Every process is tracked and killed
 * when the test process exits, so a failed test never leaves one behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePortPair } from "./ports.js";

/** dist/cluster-test/harness -> repository root. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const cofferBin = join(repositoryRoot, "dist", "src", "server", "bin.js");

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface ServerProcessOptions {
  /** Extra arguments after `server` (e.g. `-dev`, `-dev-root-token-id=root`). */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the API to answer. */
  readonly startTimeoutMs?: number;
  /** CA certificate (PEM) to trust when `url` is https. */
  readonly ca?: Buffer;
  /** Called when the process ends without `stop()` or `kill()` (a crash, an exit of its own). */
  readonly onUnexpectedExit?: (exit: UnexpectedExit) => void;
}

/** How a server process ended that nobody stopped. */
export interface UnexpectedExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of its stderr: the reason, if it gave one. */
  readonly stderrTail: string;
}

export class ServerProcess {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #ca: Buffer | undefined;
  #stdout = "";
  #stderr = "";
  readonly exited: Promise<number | null>;
  #exitRequested = false;

  private constructor(
    child: ChildProcess,
    url: string,
    ca: Buffer | undefined,
    onUnexpectedExit: ((exit: UnexpectedExit) => void) | undefined,
  ) {
    this.#child = child;
    this.url = url;
    this.#ca = ca;
    running.add(child);
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.exited = new Promise((resolveExit) => {
      child.once("exit", (code, signal) => {
        running.delete(child);
        if (!this.#exitRequested) onUnexpectedExit?.({ code, signal, stderrTail: this.#stderr.slice(-4000) });
        resolveExit(code);
      });
    });
  }

  /** Starts `coffer server <args>` and waits until `url/v1/sys/health` answers (any status). */
  static async start(url: string, options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const child = spawn(process.execPath, [cofferBin, "server", ...(options.args ?? [])], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const server = new ServerProcess(child, url, options.ca, options.onUnexpectedExit);
    await server.waitUntilAnswering(options.startTimeoutMs ?? 20_000);
    return server;
  }

  /** A dev-mode server on a free port, root token `root`. */
  static async dev(extraArgs: readonly string[] = []): Promise<ServerProcess> {
    const port = await freePortPair();
    return ServerProcess.start(`http://127.0.0.1:${port}`, {
      args: [
        "-dev",
        `-dev-listen-address=127.0.0.1:${port}`,
        "-dev-root-token-id=root",
        "-dev-no-store-token",
        ...extraArgs,
      ],
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#child.exitCode !== null) {
        throw new Error(`coffer server exited with ${this.#child.exitCode}\n${this.#stdout}\n${this.#stderr}`);
      }
      try {
        await this.#probe();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`coffer server did not answer in ${timeoutMs} ms\n${this.#stderr}`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      }
    }
  }

  async #probe(): Promise<void> {
    const url = new URL(`${this.url}/v1/sys/health`);
    if (url.protocol === "http:") {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    }
    await new Promise<void>((resolveProbe, reject) => {
      const request = httpsRequest(url, { ...(this.#ca ? { ca: this.#ca } : {}), timeout: 1000 }, (response) => {
        response.resume();
        response.on("end", () => resolveProbe());
      });
      request.on("timeout", () => request.destroy(new Error("probe timed out")));
      request.on("error", reject);
      request.end();
    });
  }

  /** Graceful stop (SIGTERM); resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.#exitRequested = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGTERM");
    return this.exited;
  }

  /** kill -9. */
  async kill(): Promise<void> {
    this.#exitRequested = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
    await this.exited;
  }
}

/** A temporary directory removed by `cleanup()`; for data directories and config files. */
export class TempDir {
  readonly path: string;

  constructor(prefix = "coffer-test-") {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  file(name: string, contents: string): string {
    const path = join(this.path, name);
    writeFileSync(path, contents);
    return path;
  }

  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** A JSON API call against a server, returning status and parsed body (undefined for an empty body). */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers["X-Vault-Token"] = options.token;
  const response = await fetch(`${baseUrl}/v1/${path}`, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  // An empty or non-JSON body reads as {}: tests check `status` and `text` for those.
  let body: Record<string, unknown> = {};
  try {
    if (text !== "") body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: response.status, body, text, headers: response.headers };
}
