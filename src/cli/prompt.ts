/**
 * Reading a secret the user types: on a terminal, without echo (raw mode,
 * character by character, Ctrl-C aborts); from a pipe, the first line.
 */
import type { Readable } from "node:stream";
import type { CliIo } from "./io.js";

interface RawCapable extends Readable {
  setRawMode?(mode: boolean): unknown;
}

function readHidden(stdin: RawCapable): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === "\r" || char === "\n" || char === "\u0004") return finish();
        if (char === "\u0003") return finish(new Error("interrupted"));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on("data", onData);
    stdin.resume();
  });
}

/** The first line of a non-terminal stdin (the rest is left unread). */
function readFirstLine(stdin: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const done = (value: string) => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.off("error", reject);
      stdin.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf("\n");
      if (newline >= 0) done(buffered.slice(0, newline));
    };
    const onEnd = () => done(buffered);
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.on("error", reject);
    stdin.resume();
  });
}

/** Prompts on stderr and reads a value the terminal does not echo. */
export async function promptSecret(io: CliIo, label: string): Promise<string> {
  if (!io.stdinIsTty) return (await readFirstLine(io.stdin)).trim();
  io.stderr.write(label);
  try {
    return (await readHidden(io.stdin as RawCapable)).trim();
  } finally {
    io.stderr.write("\n");
  }
}
