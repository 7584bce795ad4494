import t from "tap";
import { formatDuration, parseDurationMs, parseDurationSeconds } from "./duration.js";
import { CofferError, httpStatusOf, invalidRequest, sealedError } from "./errors.js";
import { newAccessor, randomBase62 } from "./ids.js";

t.test("durations parse as Vault's ParseDurationSecond does", async (t) => {
  const cases: Array<[unknown, number]> = [
    [3600, 3600],
    ["3600", 3600],
    ["", 0],
    ["0", 0],
    ["1h30m", 5400],
    ["72h", 259200],
    ["1.5h", 5400],
    ["90s", 90],
    ["300ms", 0],
    ["2d", 172800],
    ["1d12h", 129600],
    ["-5s", -5],
    [" 10m ", 600],
    [1.9, 1],
  ];
  for (const [input, seconds] of cases) t.equal(parseDurationSeconds(input), seconds, JSON.stringify(input));
  t.equal(parseDurationMs("300ms"), 300);
  t.equal(parseDurationMs("2s"), 2000);
  t.equal(parseDurationMs("15"), 15000);
});

t.test("bad durations are a 400 with Go's message", async (t) => {
  for (const bad of ["abc", "1x", "h", "1h-3m", "--1s", true, null, Number.NaN]) {
    t.throws(() => parseDurationSeconds(bad), { code: "invalid_request" }, JSON.stringify(bad));
  }
  t.throws(() => parseDurationSeconds("5 years"), { message: 'time: invalid duration "5 years"' });
});

t.test("durations format the way Go prints them", async (t) => {
  t.equal(formatDuration(0), "0s");
  t.equal(formatDuration(2764800), "768h0m0s");
  t.equal(formatDuration(90), "1m30s");
  t.equal(formatDuration(59), "59s");
  t.equal(formatDuration(-3600), "-1h0m0s");
  for (const seconds of [1, 61, 3601, 86400, 2764800]) t.equal(parseDurationSeconds(formatDuration(seconds)), seconds);
});

t.test("error codes map to Vault's status codes", async (t) => {
  t.equal(httpStatusOf("invalid_request"), 400);
  t.equal(httpStatusOf("permission_denied"), 403);
  t.equal(httpStatusOf("sealed"), 503);
  const error = invalidRequest("bad", { cause: new Error("inner") });
  t.ok(error instanceof CofferError);
  t.equal(error.status, 400);
  t.equal((error.cause as Error).message, "inner");
  t.equal(sealedError().message, "Vault is sealed");
});

t.test("ids have the expected shapes", async (t) => {
  const id = randomBase62(24);
  t.match(id, /^[A-Za-z0-9]{24}$/);
  t.not(randomBase62(24), id);
  t.match(newAccessor("kv"), /^kv_[0-9a-f]{8}$/);
});
