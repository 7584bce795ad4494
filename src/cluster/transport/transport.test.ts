import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import t, { type Test } from "tap";
import type { Heartbeat, InstallSnapshot, Message, SnapshotMeta } from "../../raft/index.js";
import { toLogIndex, toTerm } from "../../raft/index.js";
import { utf8 } from "../bytes.js";
import { encodeSnapshot, SnapshotDecoder } from "../snapshot-format.js";
import { tempDir } from "../test-helpers.js";
import {
  followerMessageFromProto,
  followerMessageToProto,
  fromUint64,
  leaderMessageFromProto,
  leaderMessageToProto,
  requestVoteFromProto,
  requestVoteToProto,
  voteResponseFromProto,
  voteResponseToProto,
} from "./codec.js";
import { RaftService } from "./grpc-service.js";
import { GrpcTransport, type GrpcTransportOptions } from "./grpc-transport.js";
import { InmemNetwork } from "./inmem.js";
import type { IncomingSnapshot, Transport, TransportHandler } from "./transport.js";

const term = toTerm;
const index = toLogIndex;
const big = Number.MAX_SAFE_INTEGER;

const samples: Message[] = [
  {
    type: "appendEntries",
    from: "a",
    to: "b",
    term: term(big),
    prevLogIndex: index(big - 1),
    prevLogTerm: term(3),
    entries: [
      { index: index(big), term: term(big), kind: "normal", data: utf8("x") },
      { index: index(7), term: term(2), kind: "config", data: new Uint8Array() },
    ],
    commit: index(5),
  },
  { type: "heartbeat", from: "a", to: "b", term: term(2), commit: index(9), context: utf8("ctx") },
  { type: "readIndexResponse", from: "a", to: "b", term: term(2), index: index(11), context: utf8("r") },
  {
    type: "appendEntriesResponse",
    from: "b",
    to: "a",
    term: term(2),
    reject: true,
    index: index(4),
    hintIndex: index(3),
    hintTerm: term(1),
  },
  { type: "heartbeatResponse", from: "b", to: "a", term: term(2), context: new Uint8Array() },
  { type: "readIndex", from: "b", to: "a", term: term(2), context: utf8("q") },
  {
    type: "requestVote",
    from: "c",
    to: "a",
    term: term(4),
    preVote: true,
    lastLogIndex: index(10),
    lastLogTerm: term(3),
    leadershipTransfer: true,
  },
  { type: "requestVoteResponse", from: "a", to: "c", term: term(4), preVote: true, granted: true },
];

/** Through the real protobuf encoding the gRPC service uses, and back. */
function viaWire(message: Message): Message {
  const service = RaftService.service;
  switch (message.type) {
    case "appendEntries":
    case "heartbeat":
    case "readIndexResponse": {
      const bytes = service.AppendEntries.requestSerialize(leaderMessageToProto(message));
      return leaderMessageFromProto(service.AppendEntries.requestDeserialize(bytes));
    }
    case "appendEntriesResponse":
    case "heartbeatResponse":
    case "readIndex": {
      const bytes = service.AppendEntries.responseSerialize(followerMessageToProto(message));
      return followerMessageFromProto(service.AppendEntries.responseDeserialize(bytes));
    }
    case "requestVote":
      return requestVoteFromProto(
        service.RequestVote.requestDeserialize(service.RequestVote.requestSerialize(requestVoteToProto(message))),
      );
    case "requestVoteResponse": {
      const reply = service.RequestVote.responseDeserialize(
        service.RequestVote.responseSerialize({ response: voteResponseToProto(message) }),
      );
      if (!reply.response) throw new Error("no response");
      return voteResponseFromProto(reply.response);
    }
    default:
      throw new Error(`no sample path for ${message.type}`);
  }
}

/** Bytes as plain arrays (a Buffer's toJSON runs before any replacer, so both shapes are mapped). */
const plain = (message: Message): unknown =>
  JSON.parse(
    JSON.stringify(message, (_key, value: unknown) => {
      if (value instanceof Uint8Array) return [...value];
      const buffer = value as { type?: unknown; data?: unknown } | null;
      return buffer && buffer.type === "Buffer" && Array.isArray(buffer.data) ? buffer.data : value;
    }),
  );

t.test("every message survives the protobuf round trip, 64-bit values included", async (t) => {
  for (const message of samples) t.same(plain(viaWire(message)), plain(message), message.type);
  t.equal(fromUint64("9007199254740991", "x"), big);
  for (const bad of ["9007199254740992", "18446744073709551615", "-1", "1e3", "", undefined]) {
    t.throws(() => fromUint64(bad, "x"), { code: "invalid_request" }, `refuses ${bad}`);
  }
  const service = RaftService.service;
  const tooBig = service.AppendEntries.requestDeserialize(
    service.AppendEntries.requestSerialize({ heartbeat: { from: "a", to: "b", term: "9007199254740993", commit: 1 } }),
  );
  t.throws(
    () => leaderMessageFromProto(tooBig),
    { code: "invalid_request", message: /term/ },
    "an unsafe term from the wire is refused",
  );
  const noFrom = service.AppendEntries.requestDeserialize(
    service.AppendEntries.requestSerialize({ heartbeat: { to: "b", term: 1 } }),
  );
  t.throws(() => leaderMessageFromProto(noFrom), { message: /from is empty/ });
  t.throws(() => leaderMessageFromProto(service.AppendEntries.requestDeserialize(Buffer.alloc(0))), {
    message: /empty leader message/,
  });
});

/** Collects what a transport delivers; answers votes and stores snapshots as told. */
class Recorder implements TransportHandler {
  readonly messages: Message[] = [];
  readonly snapshots: { meta: SnapshotMeta; records: number }[] = [];
  #waiters: { until: (messages: Message[]) => boolean; resolve: () => void }[] = [];
  answer: ((message: Message) => void) | undefined;
  refuseSnapshots = false;

  onMessage(message: Message): void {
    this.messages.push(message);
    this.answer?.(message);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.until(this.messages)) return true;
      waiter.resolve();
      return false;
    });
  }

  async onSnapshot(snapshot: IncomingSnapshot): Promise<void> {
    const decoder = new SnapshotDecoder();
    for await (const chunk of snapshot.chunks) decoder.push(chunk);
    decoder.finish();
    if (this.refuseSnapshots) throw new Error("refused");
    this.snapshots.push({ meta: snapshot.meta, records: decoder.records });
  }

  wait(until: (messages: Message[]) => boolean): Promise<void> {
    if (until(this.messages)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  count(type: Message["type"]): number {
    return this.messages.filter((message) => message.type === type).length;
  }
}

const insecure = {
  serverCredentials: grpc.ServerCredentials.createInsecure(),
  channelCredentials: grpc.credentials.createInsecure(),
};

async function grpcPair(
  t: Test,
  options: Partial<GrpcTransportOptions> = {},
): Promise<{ a: GrpcTransport; b: GrpcTransport; atA: Recorder; atB: Recorder }> {
  const a = new GrpcTransport({ id: "a", listenAddress: "127.0.0.1:0", ...insecure, ...options });
  const b = new GrpcTransport({ id: "b", listenAddress: "127.0.0.1:0", ...insecure, ...options });
  const atA = new Recorder();
  const atB = new Recorder();
  await a.start(atA);
  await b.start(atB);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  return { a, b, atA, atB };
}

const heartbeat = (commit: number): Heartbeat => ({
  type: "heartbeat",
  from: "a",
  to: "b",
  term: term(1),
  commit: index(commit),
  context: new Uint8Array(),
});

async function snapshotChunks(count: number): Promise<Uint8Array[]> {
  const meta: SnapshotMeta = { index: index(40), term: term(3), configuration: { servers: [] } };
  async function* records() {
    for (let i = 0; i < count; i++) yield { key: utf8(`k${i}`), value: new Uint8Array(1000).fill(i % 256) };
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of encodeSnapshot(meta, records(), 16 * 1024)) chunks.push(chunk);
  return chunks;
}

async function* stream(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

function installSnapshot(from: string, to: string): InstallSnapshot {
  return {
    type: "installSnapshot",
    from,
    to,
    term: term(3),
    snapshot: { meta: { index: index(40), term: term(3), configuration: { servers: [] } }, data: utf8("local-id") },
  };
}

async function exercise(t: Test, a: Transport, b: Transport, atA: Recorder, atB: Recorder): Promise<void> {
  // b knows no peers: its answers can only travel back up a's stream.
  a.setPeers([{ id: "b", address: b.address() }]);
  atB.answer = (message) => {
    if (message.type === "appendEntries") {
      b.send({
        type: "appendEntriesResponse",
        from: "b",
        to: "a",
        term: message.term,
        reject: false,
        index: index(message.prevLogIndex + message.entries.length),
        hintIndex: index(0),
        hintTerm: term(0),
      });
    }
    if (message.type === "requestVote") {
      b.send({
        type: "requestVoteResponse",
        from: "b",
        to: "a",
        term: message.term,
        preVote: message.preVote,
        granted: true,
      });
    }
  };
  for (let i = 1; i <= 200; i++) {
    a.send({
      type: "appendEntries",
      from: "a",
      to: "b",
      term: term(1),
      prevLogIndex: index(i - 1),
      prevLogTerm: term(1),
      entries: [{ index: index(i), term: term(1), kind: "normal", data: utf8(`entry ${i}`) }],
      commit: index(i - 1),
    });
  }
  await atA.wait((messages) => messages.filter((m) => m.type === "appendEntriesResponse").length === 200);
  const indexes = atB.messages
    .filter((m) => m.type === "appendEntries")
    .map((m) => (m.type === "appendEntries" ? m.prevLogIndex : -1));
  t.same(
    indexes,
    Array.from({ length: 200 }, (_, i) => i),
    "appendEntries arrive in order on one stream",
  );
  t.equal(atA.count("appendEntriesResponse"), 200, "every acknowledgement came back up the same stream");

  a.send({
    type: "requestVote",
    from: "a",
    to: "b",
    term: term(2),
    preVote: true,
    lastLogIndex: index(200),
    lastLogTerm: term(1),
    leadershipTransfer: false,
  });
  await atA.wait((messages) => messages.some((m) => m.type === "requestVoteResponse"));
  t.match(
    atA.messages.find((m) => m.type === "requestVoteResponse"),
    { from: "b", granted: true, preVote: true },
    "the vote reply carries the voter's answer",
  );

  a.send({ type: "timeoutNow", from: "a", to: "b", term: term(2) });
  await atB.wait((messages) => messages.some((m) => m.type === "timeoutNow"));
  t.pass("timeoutNow delivered");

  const chunks = await snapshotChunks(300);
  t.equal(await a.sendSnapshot(installSnapshot("a", "b"), stream(chunks)), "finished");
  t.same(atB.snapshots, [{ meta: { index: 40, term: 3, configuration: { servers: [] } }, records: 300 }]);
  atB.refuseSnapshots = true;
  t.equal(
    await a.sendSnapshot(installSnapshot("a", "b"), stream(chunks)),
    "failed",
    "a refused snapshot is reported as failed",
  );
  t.equal(await a.sendSnapshot(installSnapshot("a", "nobody"), stream(chunks)), "failed", "an unknown peer fails");
}

t.test("gRPC transport over real sockets", async (t) => {
  const { a, b, atA, atB } = await grpcPair(t);
  t.match(a.address(), /^127\.0\.0\.1:\d+$/);
  await exercise(t, a, b, atA, atB);
  const before = atB.messages.length;
  b.send({ type: "heartbeatResponse", from: "b", to: "nobody", term: term(1), context: new Uint8Array() });
  a.send({ ...heartbeat(1), to: "nobody" });
  t.ok(b.stats().dropped >= 1 && a.stats().dropped >= 1, "messages for unknown peers are dropped and counted");
  t.equal(atB.messages.length, before);

  // A peer speaking garbage: the bad message is dropped whole, the stream lives on.
  const raw = new RaftService(b.address(), grpc.credentials.createInsecure());
  const rawStream = raw.appendEntries();
  rawStream.on("error", () => undefined);
  const droppedBefore = b.stats().dropped;
  rawStream.write({ heartbeat: { from: "x", to: "b", term: "9007199254740993", commit: 1 } });
  rawStream.write({ heartbeat: { from: "x", to: "someone-else", term: 1, commit: 2 } });
  rawStream.write({ heartbeat: { from: "x", to: "b", term: 1, commit: 77 } });
  await atB.wait((messages) => messages.some((m) => m.from === "x"));
  t.same(
    atB.messages.filter((m) => m.from === "x").map((m) => (m.type === "heartbeat" ? m.commit : -1)),
    [77],
    "only the well-formed, well-addressed message is delivered",
  );
  t.equal(b.stats().dropped - droppedBefore, 2, "the two bad ones are counted as dropped");
  rawStream.end();
  raw.close();
});

t.test("in-memory transport behaves the same, and cuts links", async (t) => {
  const network = new InmemNetwork();
  const a = network.transport("a");
  const b = network.transport("b");
  const atA = new Recorder();
  const atB = new Recorder();
  await a.start(atA);
  await b.start(atB);
  await exercise(t, a, b, atA, atB);
  network.cut("a", "b");
  a.send(heartbeat(5));
  b.send({ type: "heartbeatResponse", from: "b", to: "a", term: term(1), context: utf8("one-way") });
  await atA.wait((messages) => messages.some((m) => m.type === "heartbeatResponse"));
  t.notOk(
    atB.messages.some((m) => m.type === "heartbeat" && m.commit === 5),
    "a cut link drops messages one way only",
  );
  network.heal();
  a.send(heartbeat(6));
  await atB.wait((messages) => messages.some((m) => m.type === "heartbeat" && m.commit === 6));
  t.pass("healed");
  await a.close();
  await b.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

t.test("a down peer costs bounded memory, and the link reconnects when it is back", async (t) => {
  const port = await freePort();
  const a = new GrpcTransport({
    id: "a",
    listenAddress: "127.0.0.1:0",
    ...insecure,
    queueMessagesMax: 64,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
  });
  const atA = new Recorder();
  await a.start(atA);
  t.teardown(() => a.close());
  a.setPeers([{ id: "b", address: `127.0.0.1:${port}` }]);
  let maxQueued = 0;
  for (let i = 0; i < 5000; i++) {
    a.send({ ...heartbeat(i), context: new Uint8Array(1024) });
    maxQueued = Math.max(maxQueued, a.stats().queued);
    if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  t.ok(maxQueued <= 64, `the queue never held more than its bound (max ${maxQueued})`);
  t.ok(a.stats().dropped > 4000, `messages to the down peer were dropped (${a.stats().dropped})`);

  const b = new GrpcTransport({ id: "b", listenAddress: `127.0.0.1:${port}`, ...insecure });
  const atB = new Recorder();
  await b.start(atB);
  t.teardown(() => b.close());
  // Keep sending, as a leader's heartbeats would, until one gets through after the backoff.
  let commit = 10_000;
  const ticker = setInterval(() => a.send(heartbeat(commit++)), 10);
  await atB.wait((messages) => messages.some((m) => m.type === "heartbeat"));
  clearInterval(ticker);
  t.pass("the link reconnected once the peer listened");
});

function makeCertificates(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "1",
    "-subj",
    "/CN=coffer-test-ca",
  );
  run(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "node.key",
    "-out",
    "node.csr",
    "-subj",
    "/CN=coffer-node",
  );
  const extensions = join(dir, "ext.cnf");
  execFileSync("sh", ["-c", `printf 'subjectAltName=DNS:coffer-node,IP:127.0.0.1\\n' > ${JSON.stringify(extensions)}`]);
  run(
    "x509",
    "-req",
    "-in",
    "node.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "node.crt",
    "-days",
    "1",
    "-extfile",
    extensions,
  );
  return {
    ca: readFileSync(join(dir, "ca.crt")),
    cert: readFileSync(join(dir, "node.crt")),
    key: readFileSync(join(dir, "node.key")),
  };
}

/** Sends heartbeats until the sender's stream has failed (it backs off and starts dropping). */
async function sendUntilDropping(sender: GrpcTransport): Promise<void> {
  for (let i = 0; sender.stats().dropped === 0; i++) {
    sender.send(heartbeat(i));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test("gRPC transport over TLS", async (t) => {
  const { ca, cert, key } = makeCertificates(tempDir(t, "tls"));
  const tls = {
    serverCredentials: grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true),
    channelCredentials: grpc.credentials.createSsl(ca, key, cert),
    tlsServerName: "coffer-node",
  };
  const { a, b, atA, atB } = await grpcPair(t, tls);
  await exercise(t, a, b, atA, atB);

  const intruder = new GrpcTransport({ id: "a", listenAddress: "127.0.0.1:0", ...insecure });
  await intruder.start(new Recorder());
  t.teardown(() => intruder.close());
  intruder.setPeers([{ id: "b", address: b.address() }]);
  const seen = atB.messages.length;
  await sendUntilDropping(intruder);
  t.equal(atB.messages.length, seen, "a client without TLS gets nothing through");

  // TLS that trusts the cluster's CA and names the right server, but presents no client certificate.
  const noCertificate = new GrpcTransport({
    id: "a",
    listenAddress: "127.0.0.1:0",
    serverCredentials: grpc.ServerCredentials.createInsecure(),
    channelCredentials: grpc.credentials.createSsl(ca),
    tlsServerName: "coffer-node",
  });
  await noCertificate.start(new Recorder());
  t.teardown(() => noCertificate.close());
  noCertificate.setPeers([{ id: "b", address: b.address() }]);
  await sendUntilDropping(noCertificate);
  t.equal(atB.messages.length, seen, "a TLS client without a client certificate gets nothing through");
  a.send(heartbeat(99));
  await atB.wait((messages) => messages.length > seen);
  t.pass("the peer holding a certificate still gets through");
});
