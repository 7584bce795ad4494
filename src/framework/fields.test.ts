import t from "tap";
import { FieldData, type FieldSchemas } from "./field-data.js";
import { convertField, type FieldType, formatGoValue } from "./field-types.js";

/** The assertions the helpers below use; any tap test object has them. */
type Asserts = Pick<typeof t, "same" | "throws">;

function convertsTo(t: Asserts, type: FieldType, cases: Array<[unknown, unknown]>): void {
  for (const [input, expected] of cases)
    t.same(convertField(type, input), expected, `${type} ${JSON.stringify(input)}`);
}

function rejects(t: Asserts, type: FieldType, inputs: unknown[]): void {
  for (const input of inputs) {
    t.throws(
      () => convertField(type, input),
      { name: "FieldConversionError" },
      `${type} rejects ${JSON.stringify(input)}`,
    );
  }
}

t.test("string types convert weakly as Vault's mapstructure does (numbers and bools become text)", async (t) => {
  convertsTo(t, "string", [
    ["abc", "abc"],
    [12, "12"],
    [1.5, "1.5"],
    [true, "1"],
    [false, "0"],
  ]);
  rejects(t, "string", [[1], { a: 1 }]);
  convertsTo(t, "lowercase-string", [["MiXeD", "mixed"]]);
  convertsTo(t, "name", [
    ["my-role", "my-role"],
    ["a", "a"],
    ["a.b_c", "a.b_c"],
  ]);
  rejects(t, "name", ["-lead", "trail-", "sp ace", "", "a/b"]);
});

t.test("int accepts integers and digit strings, rejects fractions and words", async (t) => {
  convertsTo(t, "int", [
    [3600, 3600],
    ["3600", 3600],
    [" -7 ", -7],
    ["", 0],
    [true, 1],
  ]);
  rejects(t, "int", [1.5, "1.5", "ten", "1e3", [], {}, 2 ** 60]);
  convertsTo(t, "int64", [["42", 42]]);
  convertsTo(t, "float", [
    ["1.25", 1.25],
    [2, 2],
  ]);
  rejects(t, "float", ["x", Number.NaN, []]);
});

t.test("bool accepts Go's ParseBool words", async (t) => {
  convertsTo(t, "bool", [
    [true, true],
    ["true", true],
    ["T", true],
    ["1", true],
    ["false", false],
    ["0", false],
    ["", false],
    [0, false],
    [2, true],
  ]);
  rejects(t, "bool", ["yes", "on", [], {}]);
});

t.test("duration takes seconds or Go durations; only signed-duration may be negative", async (t) => {
  convertsTo(t, "duration", [
    [3600, 3600],
    ["3600", 3600],
    ["1h", 3600],
    ["1h30m", 5400],
    ["", 0],
  ]);
  rejects(t, "duration", ["soon", true, [], "-5s", -1]);
  t.throws(() => convertField("duration", "-5s"), { message: "cannot provide negative value '-5'" });
  convertsTo(t, "signed-duration", [
    ["-1s", -1],
    [-30, -30],
  ]);
});

t.test(
  "map takes an object (an empty list counts as an empty map); kv-pairs takes an object or k=v pairs",
  async (t) => {
    convertsTo(t, "map", [
      [
        { a: 1, b: { c: 2 } },
        { a: 1, b: { c: 2 } },
      ],
      [[], {}],
    ]);
    rejects(t, "map", ["a=b", [1], 3]);
    convertsTo(t, "kv-pairs", [
      [
        { a: "x", b: 2, c: true },
        { a: "x", b: "2", c: "1" },
      ],
      [["a=x", "b=y=z"], { a: "x", b: "y=z" }],
      ["a=b", { a: "b" }],
    ]);
    rejects(t, "kv-pairs", [["novalue"], ["=x"], { a: { nested: 1 } }, 3]);
    t.throws(() => convertField("kv-pairs", ["oops"]), { message: 'invalid key pair "oops"' });
  },
);

t.test(
  "slices: string-slice keeps commas, comma-string-slice splits them, comma-int-slice parses integers",
  async (t) => {
    convertsTo(t, "slice", [
      [
        [1, "a"],
        [1, "a"],
      ],
      ["x", ["x"]],
    ]);
    convertsTo(t, "string-slice", [
      [
        ["a", " b "],
        ["a", "b"],
      ],
      ["a,b", ["a,b"]],
      ["", []],
      [
        [1, true],
        ["1", "1"],
      ],
    ]);
    rejects(t, "string-slice", [[{}], [[1]]]);
    convertsTo(t, "comma-string-slice", [
      ["a, b,c", ["a", "b", "c"]],
      [
        ["a", "b"],
        ["a", "b"],
      ],
      ["", []],
      [7, ["7"]],
    ]);
    convertsTo(t, "comma-int-slice", [
      ["1,2, 3", [1, 2, 3]],
      [
        [1, "2"],
        [1, 2],
      ],
      [4, [4]],
      ["", []],
    ]);
    rejects(t, "comma-int-slice", ["1,x", [1.5], [{}]]);
  },
);

t.test("header takes an object, JSON (plain or base64) or Name:value pairs, with canonical names", async (t) => {
  const expected = { "Content-Type": ["text/json"], Accept: ["a", "b"] };
  convertsTo(t, "header", [
    [{ "content-type": "text/json", accept: ["a", "b"] }, expected],
    ['{"content-type":"text/json","accept":["a","b"]}', expected],
    [Buffer.from('{"content-type":"text/json","accept":["a","b"]}').toString("base64"), expected],
    [["content-type:text/json", "accept:a", "accept:b"], expected],
  ]);
  rejects(t, "header", ["not json", ["nocolon"], { a: { b: 1 } }, 5]);
});

t.test("time takes RFC 3339 or Unix seconds", async (t) => {
  convertsTo(t, "time", [
    ["2026-01-01T00:00:00Z", new Date(Date.UTC(2026, 0, 1))],
    ["2026-01-01T02:00:00+02:00", new Date(Date.UTC(2026, 0, 1))],
    [1767225600, new Date(Date.UTC(2026, 0, 1))],
    ["1767225600", new Date(Date.UTC(2026, 0, 1))],
  ]);
  rejects(t, "time", ["yesterday", "2026-01-01", true]);
});

t.test("conversion errors name the field and print the input as Go's %v does", async (t) => {
  const schema = {
    ttl: { type: "duration", description: "" },
    tags: { type: "map", description: "" },
  } as const satisfies FieldSchemas;
  t.throws(() => FieldData.parse(schema, { ttl: "soon" }), {
    code: "invalid_request",
    message: 'error converting input soon for field "ttl": time: invalid duration "soon"',
  });
  t.throws(() => FieldData.parse(schema, { tags: ["a", 1] }), {
    message: 'error converting input [a 1] for field "tags": expected a map, got array',
  });
  t.equal(formatGoValue({ b: [1, true], a: null }), "map[a:<nil> b:[1 true]]");
});

t.test("FieldData: given values, defaults (converted like input), zero values, null as absent", async (t) => {
  const schema = {
    name: { type: "string", description: "" },
    ttl: { type: "duration", description: "", default: "1h" },
    max: { type: "int", description: "" },
    policies: { type: "comma-string-slice", description: "" },
    mode: { type: "string", description: "", allowedValues: ["a", "b"] },
  } as const satisfies FieldSchemas;
  const data = FieldData.parse(schema, { name: "x", max: null, policies: "p1,p2", unknown: 1 });
  t.equal(data.get("name"), "x");
  t.equal(data.get("ttl"), 3600, "default converted");
  t.equal(data.getOk("ttl"), undefined, "a default is not 'given'");
  t.equal(data.get("max"), 0, "null reads as the zero value");
  t.notOk(data.has("max"));
  t.same(data.get("policies"), ["p1", "p2"]);
  const policies = data.get("policies");
  policies.push("mutated");
  t.same(data.get("policies"), ["p1", "p2"], "callers get copies");
  t.equal(data.raw["unknown"], 1, "undeclared input stays readable in raw");
  t.throws(() => data.require("mode"), { code: "invalid_request", message: "missing mode" });
  t.throws(() => FieldData.parse(schema, { mode: "c" }), {
    message: 'error converting input c for field "mode": value must be one of [a b]',
  });
  t.equal(FieldData.parse(schema, { mode: "b" }).require("mode"), "b");
  t.throws(() => (data as FieldData<FieldSchemas>).get("undeclared"), { name: "AssertionError" });
});

t.test("a __proto__ key in input is plain data", async (t) => {
  const schema = { data: { type: "map", description: "" } } as const satisfies FieldSchemas;
  const input = JSON.parse('{"data":{"__proto__":{"polluted":true},"a":1}}') as Record<string, unknown>;
  const data = FieldData.parse(schema, input).get("data");
  t.equal(Object.getPrototypeOf(data), Object.prototype);
  t.same(Object.keys(data), ["__proto__", "a"]);
  t.equal(({} as Record<string, unknown>)["polluted"], undefined);
});
