/**
 * Our HCL1 reader against hashicorp/hcl v1 itself (js-hcl-parser), and the
 * literal forms policies use.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import t from "tap";
import { defaultPolicyText } from "../builtin.js";
import { type Document, HclSyntaxError, type ObjectItem, parseDocument, type ValueNode } from "./index.js";

const reference = createRequire(import.meta.url)("js-hcl-parser") as { stringify(text: string): string };

function referenceAccepts(text: string): boolean {
  return !reference.stringify(text).startsWith("unable to parse HCL");
}

function oursAccepts(text: string): boolean {
  try {
    parseDocument(text, { referenceCheck: false });
    return true;
  } catch (error) {
    if (error instanceof HclSyntaxError) return false;
    throw error;
  }
}

/** Item values as plain data, for comparisons. */
function plain(node: ValueNode): unknown {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "list":
      return node.elements.map(plain);
    case "object":
      return node.items.map((item) => [item.keys.map((key) => key.text), plain(item.value)]);
  }
}

function decodedValue(text: string): unknown {
  const document: Document = parseDocument(`x = ${text}\n`, { referenceCheck: false });
  const item = document.items[0] as ObjectItem;
  return plain(item.value);
}

const corpus = [
  defaultPolicyText,
  'path "a/*" {\n  capabilities = ["read", "list",]\n  allowed_parameters = { "x" = [1, 2.5, -3, true, "y"] }\n  min_wrapping_ttl = "1s"\n}\n# c\npath "b" { policy = "write" }, name = "n"',
  'path "a" {\n  comment = <<EOT\nhello\nEOT\n}\n',
  'path "a" { x = [[1], {a = 2}] }',
  '/* block */ path "a" { // line\n  capabilities = ["read"] # end\n}',
];

t.test("every text our reader accepts, hashicorp/hcl accepts too", async (t) => {
  for (const text of corpus)
    t.ok(oursAccepts(text) && referenceAccepts(text), `corpus: ${JSON.stringify(text.slice(0, 40))}`);
  const alphabet = [..."{}[]=,\"'#/*<-\n \\abcE1.x$"];
  const edit = fc.tuple(fc.nat(), fc.constantFrom("delete", "insert", "replace"), fc.constantFrom(...alphabet));
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.array(edit, { minLength: 1, maxLength: 3 }), (base, edits) => {
      let text = base;
      for (const [at, kind, character] of edits) {
        const index = at % (text.length + 1);
        const rest = kind === "insert" ? text.slice(index) : text.slice(index + 1);
        text = text.slice(0, index) + (kind === "delete" ? "" : character) + rest;
      }
      if (text.trimStart().startsWith("{")) return true;
      // hashicorp/hcl swallows some errors (an item cut short at a closing
      // brace or at the end of input); ours refuses those, so only this
      // direction must hold.
      return !oursAccepts(text) || referenceAccepts(text);
    }),
    { numRuns: 1000 },
  );
});

t.test("literals decode as HCL1 decodes them", async (t) => {
  t.equal(decodedValue('"a\\tb\\n\\"q\\" \\\\ \\u00e9 \\x41 \\101"'), 'a\tb\n"q" \\ é A A');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL1 interpolation text, not a JavaScript template
  t.equal(decodedValue('"${foo("bar")}"'), '${foo("bar")}', "interpolations are kept verbatim, nested quotes included");
  t.equal(decodedValue("42"), 42);
  t.equal(decodedValue("-3"), -3);
  t.equal(decodedValue("0x1F"), 31);
  t.equal(decodedValue("01777"), 1023, "a leading zero is octal");
  t.equal(decodedValue("1.5e3"), 1500);
  t.equal(decodedValue(".5"), 0.5);
  t.equal(decodedValue("true"), true);
  t.same(decodedValue('[1, "a", [true], {b = 2},]'), [1, "a", [true], [[["b"], 2]]]);
  t.same(decodedValue("[[1] 2]"), [[1], 2], "no comma is needed after a nested list");
  t.same(decodedValue("[,]"), [], "stray commas are tolerated");
  t.equal(decodedValue("<<EOT\nline one\n  line two\nEOT"), "line one\n  line two\n");
  t.equal(
    decodedValue("<<-EOT\n    hello\n      x\n    EOT"),
    "hello\n  x\n",
    "<<- removes the closing line's indentation",
  );
});

t.test("positions: keys and values carry line and column", async (t) => {
  const document = parseDocument('\n  path "a" {\n    capabilities = ["read"]\n  }', { referenceCheck: false });
  const item = document.items[0] as ObjectItem;
  t.same(
    item.keys.map((key) => [key.text, key.position]),
    [
      ["path", { line: 2, column: 3 }],
      ["a", { line: 2, column: 8 }],
    ],
  );
  const body = item.value;
  if (body.kind !== "object") throw new Error("expected an object");
  const capabilities = body.items[0] as ObjectItem;
  t.same(capabilities.keys[0]?.position, { line: 3, column: 5 });
  t.same(capabilities.value.position, { line: 3, column: 20 });
});

t.test("JSON is read strictly, with positions", async (t) => {
  const document = parseDocument('{\n  "path": {\n    "a": {"capabilities": ["read"]}\n  }\n}');
  t.equal(document.syntax, "json");
  const item = document.items[0] as ObjectItem;
  t.same(item.keys[0]?.position, { line: 2, column: 3 });
  t.same(plain(item.value), [[["a"], [[["capabilities"], ["read"]]]]]);
  for (const bad of [
    '{"a": 1,}',
    '{"a": [1,]}',
    "{'a': 1}",
    '{"a": 01}',
    '{"a": 1} x',
    '{"a": "\\q"}',
    '{"a": tru}',
    "{",
  ]) {
    t.throws(() => parseDocument(bad), HclSyntaxError, bad);
  }
});

t.test("hostile nesting is refused, not a stack overflow", async (t) => {
  const deepList = `x = ${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  t.throws(() => parseDocument(deepList, { referenceCheck: false }), { message: /nesting too deep/ });
  const deepJson = `{"x": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
  t.throws(() => parseDocument(deepJson), { message: /nesting too deep/ });
});

t.test("our own syntax messages follow HCL1's form", async (t) => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['path "a" {', "At 1:11: object expected closing RBRACE got: EOF"],
    ['path "a" { x = ["a" "b"] }', "At 1:21: error parsing list, expected comma or list end, got: STRING"],
    ['path "a {}', "At 1:11: literal not terminated"],
    ["path 'a' {}", "At 1:6: illegal char"],
    ["/* open", "At 1:1: comment not terminated"],
    ["x = <<EOT\nno end", "At 2:7: heredoc not terminated"],
    ['x = "\\q"', "At 1:6: illegal char escape"],
  ];
  for (const [text, message] of cases) {
    t.throws(() => parseDocument(text, { referenceCheck: false }), { message }, JSON.stringify(text));
  }
});
