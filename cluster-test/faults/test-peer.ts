/**
 * A stand-in for a cluster node in the fault-layer tests (run as its own
 * process, so the proxy can tell peers apart by pid): it serves a line echo
 * (`<name>:<line>`) and, told so on stdin, dials other peers and sends lines.
 * Everything it sees is reported as JSON lines on stdout.
 *
 *   node test-peer.js <name> <listen host>
 *   stdin:  {"op":"connect","id":"a","host":"127.0.0.1","port":1234} | {"op":"send","id":"a","text":"x"} | {"op":"close","id":"a"}
 *   stdout: {"event":"listening","port":N} | connected | reply | received | closed
 */
import { createConnection, createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";

const [name = "peer", host = "127.0.0.1"] = process.argv.slice(2);
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

function onLines(socket: Socket, handle: (line: string) => void): void {
  let buffered = "";
  socket.on("data", (data: Buffer) => {
    buffered += data.toString();
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      handle(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  });
}

const server = createServer((socket) => {
  socket.on("error", () => {});
  onLines(socket, (line) => {
    emit({ event: "received", text: line });
    socket.write(`${name}:${line}\n`);
  });
  socket.on("close", () => emit({ event: "peer-closed" }));
});
server.listen(0, host, () => {
  const address = server.address();
  emit({ event: "listening", port: typeof address === "object" && address ? address.port : 0 });
});

const connections = new Map<string, Socket>();
createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line) as { op: string; id: string; host?: string; port?: number; text?: string };
  if (command.op === "connect") {
    const socket = createConnection({ host: command.host ?? "127.0.0.1", port: command.port ?? 0 });
    connections.set(command.id, socket);
    socket.on("connect", () => emit({ event: "connected", id: command.id }));
    socket.on("error", (error) => emit({ event: "error", id: command.id, message: error.message }));
    socket.on("close", () => emit({ event: "closed", id: command.id }));
    onLines(socket, (text) => emit({ event: "reply", id: command.id, text }));
  } else if (command.op === "send") {
    connections.get(command.id)?.write(`${command.text ?? ""}\n`);
  } else if (command.op === "close") {
    connections.get(command.id)?.end();
  }
});
process.stdin.on("end", () => process.exit(0));
