/**
 * Strict JSON (RFC 8259) into the same positioned tree as HCL, so a JSON
 * policy gets the same line numbers in its errors. Every JSON member becomes
 * an assigned item with a single key.
 */
import {
  HclSyntaxError,
  type ListNode,
  type ObjectItem,
  type ObjectNode,
  type Position,
  type ValueNode,
} from "./ast.js";
import { Cursor, isDigit, isHexDigit, isWhitespace } from "./cursor.js";

const nestingDepthMax = 64;

const jsonEscapes: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

export function parseJsonItems(text: string): ObjectItem[] {
  const parser = new JsonParser(text);
  const root = parser.parseRoot();
  return [...root.items];
}

class JsonParser {
  private readonly cursor: Cursor;
  private depth = 0;

  constructor(text: string) {
    this.cursor = new Cursor(text);
  }

  parseRoot(): ObjectNode {
    this.skipWhitespace();
    const root = this.parseObject();
    this.skipWhitespace();
    if (!this.cursor.atEnd) this.fail("unexpected content after the JSON object");
    return root;
  }

  private fail(detail: string, position: Position = this.cursor.position()): never {
    throw new HclSyntaxError(position, detail);
  }

  private skipWhitespace(): void {
    while (isWhitespace(this.cursor.peek())) this.cursor.advance();
  }

  private expect(character: string): void {
    if (this.cursor.peek() !== character) {
      const found = this.cursor.atEnd ? "end of input" : `"${this.cursor.peek()}"`;
      this.fail(`expected "${character}", found ${found}`);
    }
    this.cursor.advance();
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > nestingDepthMax) this.fail("nesting too deep");
  }

  private parseValue(): ValueNode {
    this.skipWhitespace();
    const position = this.cursor.position();
    const character = this.cursor.peek();
    if (character === "{") return this.parseObject();
    if (character === "[") return this.parseList();
    if (character === '"') return { kind: "literal", value: this.parseString(), position };
    if (character === "-" || isDigit(character)) return { kind: "literal", value: this.parseNumber(), position };
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.cursor.startsWith(word)) {
        this.cursor.advanceBy(word.length);
        return { kind: "literal", value, position };
      }
    }
    return this.fail(this.cursor.atEnd ? "unexpected end of input" : `unexpected character "${character}"`);
  }

  private parseObject(): ObjectNode {
    this.enter();
    const position = this.cursor.position();
    this.expect("{");
    const items: ObjectItem[] = [];
    this.skipWhitespace();
    if (this.cursor.peek() === "}") {
      this.cursor.advance();
    } else {
      for (;;) {
        this.skipWhitespace();
        const keyPosition = this.cursor.position();
        if (this.cursor.peek() !== '"') this.fail("expected a quoted object key");
        const key = this.parseString();
        this.skipWhitespace();
        this.expect(":");
        const value = this.parseValue();
        items.push({ keys: [{ text: key, position: keyPosition }], value, assigned: true });
        this.skipWhitespace();
        if (this.cursor.peek() === ",") {
          this.cursor.advance();
          continue;
        }
        this.expect("}");
        break;
      }
    }
    this.depth -= 1;
    return { kind: "object", items, position };
  }

  private parseList(): ListNode {
    this.enter();
    const position = this.cursor.position();
    this.expect("[");
    const elements: ValueNode[] = [];
    this.skipWhitespace();
    if (this.cursor.peek() === "]") {
      this.cursor.advance();
    } else {
      for (;;) {
        elements.push(this.parseValue());
        this.skipWhitespace();
        if (this.cursor.peek() === ",") {
          this.cursor.advance();
          continue;
        }
        this.expect("]");
        break;
      }
    }
    this.depth -= 1;
    return { kind: "list", elements, position };
  }

  private parseString(): string {
    this.expect('"');
    let value = "";
    for (;;) {
      const character = this.cursor.peek();
      if (character === "" || character < " ") this.fail("unterminated string");
      this.cursor.advance();
      if (character === '"') return value;
      if (character !== "\\") {
        value += character;
        continue;
      }
      const escaped = this.cursor.advance();
      const simple = jsonEscapes[escaped];
      if (simple !== undefined) {
        value += simple;
      } else if (escaped === "u") {
        let hex = "";
        for (let digit = 0; digit < 4; digit += 1) {
          if (!isHexDigit(this.cursor.peek())) this.fail("invalid \\u escape");
          hex += this.cursor.advance();
        }
        value += String.fromCharCode(Number.parseInt(hex, 16));
      } else {
        this.fail("invalid escape in string");
      }
    }
  }

  private parseNumber(): number {
    const start = this.cursor.index;
    const position = this.cursor.position();
    if (this.cursor.peek() === "-") this.cursor.advance();
    while (isDigit(this.cursor.peek())) this.cursor.advance();
    if (this.cursor.peek() === ".") {
      this.cursor.advance();
      while (isDigit(this.cursor.peek())) this.cursor.advance();
    }
    if (this.cursor.peek() === "e" || this.cursor.peek() === "E") {
      this.cursor.advance();
      if (this.cursor.peek() === "+" || this.cursor.peek() === "-") this.cursor.advance();
      while (isDigit(this.cursor.peek())) this.cursor.advance();
    }
    const text = this.cursor.slice(start);
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) this.fail(`invalid number "${text}"`, position);
    return Number(text);
  }
}
