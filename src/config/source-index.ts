/**
 * A light scanner over HCL1 and JSON source that records where each key sits.
 *
 * js-hcl-parser turns the text into plain JSON and keeps no positions, so a
 * semantic error ("unknown key", "not a bool") could only name the file. This
 * scanner walks the same text a second time and builds a tree of keys with
 * their line and column, shaped the way the parser groups blocks: every
 * `listener "tcp" {}` item becomes a node `listener` whose object value holds
 * a node `tcp`, and a JSON list of objects becomes one node whose value is a
 * list. The decoder walks this tree in step with the parsed JSON.
 *
 * It is deliberately forgiving: it does not decide validity (the parser does),
 * and if it meets something it cannot follow it gives up and the caller falls
 * back to naming the file alone.
 */

export interface SourcePosition {
  /** 1-based, as HCL reports it. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export type SourceValue =
  | { readonly kind: "object"; readonly position: SourcePosition; readonly items: readonly SourceNode[] }
  | { readonly kind: "list"; readonly position: SourcePosition; readonly elements: readonly SourceValue[] }
  | { readonly kind: "scalar"; readonly position: SourcePosition };

export interface SourceNode {
  readonly key: string;
  readonly position: SourcePosition;
  readonly value: SourceValue;
}

type TokenKind = "string" | "ident" | "number" | "heredoc" | "punct";

interface Token {
  readonly kind: TokenKind;
  /** The key text for strings and identifiers (quotes removed); the character for punctuation. */
  readonly text: string;
  readonly position: SourcePosition;
}

export class SourceScanError extends Error {
  override readonly name = "SourceScanError";

  constructor(
    message: string,
    /** Where the scanner stopped, when it knows. */
    readonly position?: SourcePosition,
  ) {
    super(position ? `${message} at ${position.line}:${position.column}` : message);
  }
}

/** Splits source text into tokens, skipping whitespace and the three comment forms of HCL1. */
class Tokenizer {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly text: string) {}

  /** The position just past the last character, for "unexpected end of input". */
  get end(): SourcePosition {
    return { line: this.line, column: this.column };
  }

  tokens(): Token[] {
    const result: Token[] = [];
    for (;;) {
      this.skipSpaceAndComments();
      if (this.offset >= this.text.length) return result;
      result.push(this.next());
    }
  }

  private peek(ahead = 0): string {
    return this.text.charAt(this.offset + ahead);
  }

  private advance(count = 1): void {
    for (let i = 0; i < count && this.offset < this.text.length; i++) {
      if (this.text.charAt(this.offset) === "\n") {
        this.line += 1;
        this.column = 1;
      } else {
        this.column += 1;
      }
      this.offset += 1;
    }
  }

  private skipSpaceAndComments(): void {
    while (this.offset < this.text.length) {
      const char = this.peek();
      if (char === " " || char === "\t" || char === "\r" || char === "\n" || char === "\uFEFF") this.advance();
      else if (char === "#" || (char === "/" && this.peek(1) === "/")) this.skipToLineEnd();
      else if (char === "/" && this.peek(1) === "*") this.skipBlockComment();
      else return;
    }
  }

  private skipToLineEnd(): void {
    while (this.offset < this.text.length && this.peek() !== "\n") this.advance();
  }

  private skipBlockComment(): void {
    const end = this.text.indexOf("*/", this.offset + 2);
    if (end < 0) throw new SourceScanError("unterminated comment");
    this.advance(end + 2 - this.offset);
  }

  private next(): Token {
    const position = { line: this.line, column: this.column };
    const char = this.peek();
    if ("{}[]=,:".includes(char)) {
      this.advance();
      return { kind: "punct", text: char, position };
    }
    if (char === '"') return { kind: "string", text: this.readString(), position };
    if (char === "<" && this.peek(1) === "<") return { kind: "heredoc", text: this.readHeredoc(), position };
    if (/[-+0-9.]/.test(char)) return { kind: "number", text: this.readWhile(/[-+0-9a-fA-FxX.eE]/), position };
    if (/[\p{L}_]/u.test(char)) return { kind: "ident", text: this.readWhile(/[\p{L}\p{N}_.:-]/u), position };
    throw new SourceScanError(`unexpected character ${JSON.stringify(char)}`, position);
  }

  private readWhile(pattern: RegExp): string {
    const start = this.offset;
    while (this.offset < this.text.length && pattern.test(this.peek())) this.advance();
    return this.text.slice(start, this.offset);
  }

  /** Reads a double-quoted string, following `${ ... }` interpolations that may nest quotes. */
  private readString(): string {
    this.advance();
    let value = "";
    let interpolationDepth = 0;
    while (this.offset < this.text.length) {
      const char = this.peek();
      if (char === "\\") {
        value += this.peek(1);
        this.advance(2);
        continue;
      }
      if (interpolationDepth === 0 && char === '"') {
        this.advance();
        return value;
      }
      if (char === "\n" && interpolationDepth === 0) break;
      if (char === "$" && this.peek(1) === "{") {
        interpolationDepth += 1;
        value += "${";
        this.advance(2);
        continue;
      }
      if (interpolationDepth > 0 && char === "}") interpolationDepth -= 1;
      if (interpolationDepth > 0 && char === '"') {
        this.readString();
        continue;
      }
      value += char;
      this.advance();
    }
    throw new SourceScanError("unterminated string");
  }

  private readHeredoc(): string {
    this.advance(2);
    const indented = this.peek() === "-";
    if (indented) this.advance();
    const marker = this.readWhile(/[\p{L}\p{N}_]/u);
    if (marker === "") throw new SourceScanError("heredoc without a marker");
    this.skipToLineEnd();
    this.advance();
    for (;;) {
      if (this.offset >= this.text.length) throw new SourceScanError("unterminated heredoc");
      const lineEnd = this.text.indexOf("\n", this.offset);
      const lineText = this.text.slice(this.offset, lineEnd < 0 ? this.text.length : lineEnd);
      this.advance(lineText.length);
      const candidate = indented ? lineText.trim() : lineText.replace(/\r$/, "");
      if (candidate === marker) return marker;
      this.advance();
    }
  }
}

/** Builds the key tree from tokens: `key+ (= value | object)` items, HCL's and JSON's alike. */
class TreeBuilder {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly end: SourcePosition,
  ) {}

  root(): SourceValue {
    const first = this.tokens[0];
    const start = first?.position ?? { line: 1, column: 1 };
    // A JSON document (or an HCL file written as one object) is a single `{ ... }`.
    if (first?.text === "{" && first.kind === "punct") {
      const value = this.value();
      const extra = this.tokens[this.index];
      if (extra !== undefined) throw new SourceScanError("content after the top-level object", extra.position);
      return value;
    }
    return { kind: "object", position: start, items: this.items(undefined) };
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private take(): Token {
    const token = this.tokens[this.index];
    if (token === undefined) throw new SourceScanError("unexpected end of input", this.end);
    this.index += 1;
    return token;
  }

  private isPunct(token: Token | undefined, text: string): boolean {
    return token !== undefined && token.kind === "punct" && token.text === text;
  }

  /** Reads items until `closer` (or the end of input when closer is undefined). */
  private items(closer: string | undefined): SourceNode[] {
    const items: SourceNode[] = [];
    for (;;) {
      const token = this.peek();
      if (token === undefined) {
        if (closer === undefined) return items;
        throw new SourceScanError("unexpected end of input", this.end);
      }
      if (closer !== undefined && this.isPunct(token, closer)) {
        this.index += 1;
        return items;
      }
      if (this.isPunct(token, ",")) {
        this.index += 1;
        continue;
      }
      items.push(this.item());
    }
  }

  private item(): SourceNode {
    const keys: Token[] = [];
    for (;;) {
      const token = this.peek();
      if (token === undefined) throw new SourceScanError("unexpected end of input", this.end);
      if (token.kind === "string" || token.kind === "ident") {
        keys.push(this.take());
        continue;
      }
      break;
    }
    if (keys.length === 0) {
      const token = this.peek();
      throw new SourceScanError("expected a key", token?.position);
    }
    let value: SourceValue;
    if (this.isPunct(this.peek(), "=") || this.isPunct(this.peek(), ":")) {
      this.index += 1;
      value = this.value();
    } else if (this.isPunct(this.peek(), "{")) {
      value = this.value();
    } else {
      throw new SourceScanError("expected '=' or '{' after a key", this.peek()?.position);
    }
    // `a "b" "c" { ... }` nests as a { b { c { ... } } }, the way the parser groups it.
    for (let i = keys.length - 1; i >= 1; i--) {
      const key = keys[i] as Token;
      value = { kind: "object", position: key.position, items: [{ key: key.text, position: key.position, value }] };
    }
    const first = keys[0] as Token;
    return { key: first.text, position: first.position, value };
  }

  private value(): SourceValue {
    const token = this.take();
    if (this.isPunct(token, "{")) return { kind: "object", position: token.position, items: this.items("}") };
    if (this.isPunct(token, "[")) {
      const elements: SourceValue[] = [];
      for (;;) {
        if (this.isPunct(this.peek(), "]")) {
          this.index += 1;
          return { kind: "list", position: token.position, elements };
        }
        if (this.isPunct(this.peek(), ",")) {
          this.index += 1;
          continue;
        }
        elements.push(this.value());
      }
    }
    if (token.kind === "punct") throw new SourceScanError(`unexpected '${token.text}'`, token.position);
    return { kind: "scalar", position: token.position };
  }
}

/**
 * Scans `text` into a key tree. Throws SourceScanError when the text is not
 * something it can follow; callers treat that as "positions unknown".
 */
export function scanSource(text: string): SourceValue {
  const tokenizer = new Tokenizer(text);
  const tokens = tokenizer.tokens();
  return new TreeBuilder(tokens, tokenizer.end).root();
}

/**
 * Object bodies found under `key` in an object value, in source order: each
 * `key { }` item is one body, and a list of objects contributes each element.
 * This matches how the parsed JSON groups repeated blocks into one array.
 */
export function bodiesUnder(value: SourceValue | undefined, key: string): SourceValue[] {
  if (value?.kind !== "object") return [];
  const bodies: SourceValue[] = [];
  for (const node of value.items) {
    if (node.key !== key) continue;
    if (node.value.kind === "list") bodies.push(...node.value.elements.filter((element) => element.kind === "object"));
    else bodies.push(node.value);
  }
  return bodies;
}

/** Where `key` is written in an object value; the last occurrence, since the parser keeps the last. */
export function keyPosition(value: SourceValue | undefined, key: string): SourcePosition | undefined {
  if (value?.kind !== "object") return undefined;
  let found: SourcePosition | undefined;
  for (const node of value.items) if (node.key === key) found = node.position;
  return found;
}

/** Keys written more than once in one object, with the position of their second occurrence. */
export function repeatedScalarKeys(value: SourceValue | undefined): Array<{ key: string; position: SourcePosition }> {
  if (value?.kind !== "object") return [];
  const seen = new Set<string>();
  const repeated: Array<{ key: string; position: SourcePosition }> = [];
  for (const node of value.items) {
    if (node.value.kind !== "scalar") continue;
    if (seen.has(node.key)) repeated.push({ key: node.key, position: node.position });
    seen.add(node.key);
  }
  return repeated;
}
