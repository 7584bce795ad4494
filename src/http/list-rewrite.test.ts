import { connect } from "node:net";
import t from "tap";
import { ListMethodRewriter, rewriteListRequestLine } from "./list-rewrite.js";
import { HttpListener } from "./listener.js";

const stream = [
  "LIST /v1/secret/ HTTP/1.1\r\nHost: a\r\n\r\n",
  "POST /v1/secret/x HTTP/1.1\r\nHost: a\r\nContent-Length: 26\r\n\r\nLIST /v1/not-a-request/ :)",
  "PUT /v1/c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nLIST \r\n19\r\nLIST /v1/inside-chunk/ ok\r\n0\r\nTrailer: x\r\n\r\n",
  "\r\nLIST /v1/q?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
  "GET /v1/sys/health HTTP/1.1\r\nHost: a\r\n\r\n",
].join("");

const expected = stream
  .replace("LIST /v1/secret/ HTTP/1.1", "GET /v1/secret/?list=true HTTP/1.1")
  .replace("LIST /v1/q?x=1 HTTP/1.1", "GET /v1/q?x=1&list=true HTTP/1.1");

t.test("LIST request lines become GET ?list=true; bodies and other requests pass unchanged", async (t) => {
  t.equal(rewriteListRequestLine("LIST /v1/a/ HTTP/1.1"), "GET /v1/a/?list=true HTTP/1.1");
  t.equal(rewriteListRequestLine("LIST /v1/a/?b=c HTTP/1.0"), "GET /v1/a/?b=c&list=true HTTP/1.0");
  t.equal(rewriteListRequestLine("LISTEN /v1/a HTTP/1.1"), "LISTEN /v1/a HTTP/1.1");
  t.equal(rewriteListRequestLine("GET /v1/a HTTP/1.1"), "GET /v1/a HTTP/1.1");
  const whole = new ListMethodRewriter().push(Buffer.from(stream, "latin1")).toString("latin1");
  t.equal(whole, expected, "in one chunk");
});

t.test("framing holds whatever the chunk boundaries (every split point, and byte by byte)", async (t) => {
  const input = Buffer.from(stream, "latin1");
  let mismatches = 0;
  for (let split = 1; split < input.length; split++) {
    const rewriter = new ListMethodRewriter();
    const out = Buffer.concat([rewriter.push(input.subarray(0, split)), rewriter.push(input.subarray(split))]);
    if (out.toString("latin1") !== expected) mismatches += 1;
  }
  t.equal(mismatches, 0, "no split point changes the output");
  const rewriter = new ListMethodRewriter();
  const bytes: Buffer[] = [];
  for (const byte of input) bytes.push(rewriter.push(Buffer.from([byte])));
  t.equal(Buffer.concat(bytes).toString("latin1"), expected, "byte by byte");
});

t.test("input it cannot frame passes through untouched", async (t) => {
  const badChunk = "PUT /v1/c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nLIST /v1/x HTTP/1.1\r\n\r\n";
  t.equal(
    new ListMethodRewriter().push(Buffer.from(badChunk)).toString(),
    badChunk,
    "a bad chunk size stops rewriting",
  );
  const badLength = "PUT /v1/c HTTP/1.1\r\nContent-Length: -1\r\n\r\nLIST /v1/x HTTP/1.1\r\n\r\n";
  t.equal(new ListMethodRewriter().push(Buffer.from(badLength)).toString(), badLength, "a bad Content-Length too");
  const longLine = `GET /${"a".repeat(70 * 1024)}`;
  t.equal(new ListMethodRewriter().push(Buffer.from(longLine)).toString(), longLine, "an over-long line too");
});

async function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
    socket.end(raw);
  });
}

t.test("over a real socket the handler sees LIST as GET ?list=true, pipelined requests included", async (t) => {
  const seen: string[] = [];
  const listener = new HttpListener({ address: "127.0.0.1:0" }, (request, response) => {
    seen.push(`${request.method} ${request.url} ${request.socket.remoteAddress}`);
    response.end("ok");
  });
  const { port } = await listener.listen();
  t.teardown(() => listener.close());
  const answer = await exchange(
    port,
    "LIST /v1/kv/ HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/kv/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
  );
  t.same(seen, ["GET /v1/kv/?list=true 127.0.0.1", "GET /v1/kv/x 127.0.0.1"]);
  t.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2, "both answered on one connection");
});

t.test("a client that stops sending headers is cut off by the header timeout", async (t) => {
  const listener = new HttpListener(
    { address: "127.0.0.1:0", headersTimeoutMs: 500, requestTimeoutMs: 1000 },
    (_request, response) => response.end("ok"),
  );
  const { port } = await listener.listen();
  t.teardown(() => listener.close());
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString();
    });
    socket.on("close", () => resolve(received));
    socket.write("GET /v1/x HTTP/1.1\r\nHost: a\r\n");
  });
  t.notMatch(answer, /200 OK/, "the incomplete request was never served; the connection was closed");
});
