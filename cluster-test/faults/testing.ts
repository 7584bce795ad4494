/**
 * Test support for the fault layers: a peer process (test-peer.ts) driven
 * over stdin/stdout, with a way to wait for what it reports.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const peerScript = join(dirname(fileURLToPath(import.meta.url)), "test-peer.js");

export interface PeerEvent {
  readonly event: string;
  readonly id?: string;
  readonly text?: string;
  readonly port?: number;
}

export class Peer {
  readonly name: string;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly events: PeerEvent[];
  readonly #waiters = new Set<() => void>();

  private constructor(name: string, child: ChildProcess, port: number, events: PeerEvent[]) {
    this.name = name;
    this.#child = child;
    this.port = port;
    this.events = events;
  }

  /** Starts a peer (optionally under a command prefix such as `ip netns exec ns`) and waits for its port. */
  static async start(name: string, listenHost = "127.0.0.1", prefix: readonly string[] = []): Promise<Peer> {
    const command = [...prefix, process.execPath, peerScript, name, listenHost];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
    const events: PeerEvent[] = [];
    let peer: Peer | undefined;
    const port = await new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`peer ${name} exited with ${code}`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const event = JSON.parse(line) as PeerEvent;
        events.push(event);
        if (event.event === "listening") resolve(event.port ?? 0);
        if (peer) for (const wake of peer.#waiters) wake();
      });
    });
    peer = new Peer(name, child, port, events);
    return peer;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  command(command: Record<string, unknown>): void {
    this.#child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  connect(id: string, host: string, port: number): void {
    this.command({ op: "connect", id, host, port });
  }

  send(id: string, text: string): void {
    this.command({ op: "send", id, text });
  }

  has(predicate: (event: PeerEvent) => boolean): boolean {
    return this.events.some(predicate);
  }

  /** Resolves when an event matching `predicate` has been seen; rejects after `timeoutMs`. */
  async waitFor(what: string, predicate: (event: PeerEvent) => boolean, timeoutMs = 10_000): Promise<void> {
    if (this.has(predicate)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const check = () => {
        if (!this.has(predicate)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  stop(): void {
    this.#child.kill("SIGKILL");
  }
}

export const reply = (id: string, text: string) => (event: PeerEvent) =>
  event.event === "reply" && event.id === id && event.text === text;
export const received = (text: string) => (event: PeerEvent) => event.event === "received" && event.text === text;
