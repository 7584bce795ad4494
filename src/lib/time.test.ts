import t from "tap";
import { formatRfc3339, parseRfc3339 } from "./time.js";

t.test("times print as Go's RFC3339Nano in UTC", async (t) => {
  t.equal(formatRfc3339(Date.UTC(2026, 0, 1)), "2026-01-01T00:00:00Z");
  t.equal(formatRfc3339(Date.UTC(2026, 0, 1, 12, 30, 5, 120)), "2026-01-01T12:30:05.12Z");
  t.equal(formatRfc3339(Date.UTC(2026, 0, 1, 12, 30, 5, 7)), "2026-01-01T12:30:05.007Z");
  t.equal(formatRfc3339(Date.UTC(2026, 0, 1, 12, 30, 5, 500)), "2026-01-01T12:30:05.5Z");
});

t.test("RFC 3339 input parses with any offset and round-trips", async (t) => {
  t.equal(parseRfc3339("2026-01-01T00:00:00Z"), Date.UTC(2026, 0, 1));
  t.equal(parseRfc3339("2026-01-01T01:00:00+01:00"), Date.UTC(2026, 0, 1));
  t.equal(parseRfc3339("2025-12-31T19:00:00.25-05:00"), Date.UTC(2026, 0, 1, 0, 0, 0, 250));
  t.equal(parseRfc3339("2026-01-01t00:00:00.123456789z"), Date.UTC(2026, 0, 1, 0, 0, 0, 123));
  const now = Date.UTC(2026, 4, 17, 8, 9, 10, 11);
  t.equal(parseRfc3339(formatRfc3339(now)), now);
});

t.test("anything but RFC 3339 is a 400", async (t) => {
  for (const bad of [
    "2026-01-01",
    "2026-01-01 00:00:00Z",
    "Jan 1 2026",
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "",
  ]) {
    t.throws(() => parseRfc3339(bad), { code: "invalid_request" }, bad);
  }
});
