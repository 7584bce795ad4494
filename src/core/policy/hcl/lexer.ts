/**
 * Tokens of HCL1's native syntax, as hashicorp/hcl v1's scanner produces
 * them: identifiers, quoted strings (with `${...}` kept verbatim), heredocs,
 * numbers, booleans and punctuation; `#`, `//` and block comments skipped.
 */
import { HclSyntaxError, type Position } from "./ast.js";
import { Cursor, isDigit, isHexDigit, isWhitespace } from "./cursor.js";

export type TokenType =
  | "IDENT"
  | "STRING"
  | "HEREDOC"
  | "NUMBER"
  | "FLOAT"
  | "BOOL"
  | "LBRACE"
  | "RBRACE"
  | "LBRACK"
  | "RBRACK"
  | "ASSIGN"
  | "COMMA"
  | "EOF";

export interface Token {
  readonly type: TokenType;
  /** The decoded value: string contents, number, boolean, or the raw text for punctuation. */
  readonly value: string | number | boolean;
  readonly text: string;
  readonly position: Position;
}

const punctuation: Readonly<Record<string, TokenType>> = {
  "{": "LBRACE",
  "}": "RBRACE",
  "[": "LBRACK",
  "]": "RBRACK",
  "=": "ASSIGN",
  ",": "COMMA",
};

const simpleEscapes: Readonly<Record<string, string>> = {
  a: "\u0007",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
};

function isIdentifierStart(character: string): boolean {
  if ((character >= "a" && character <= "z") || (character >= "A" && character <= "Z") || character === "_")
    return true;
  return character > "\u007f" && /^\p{L}$/u.test(character);
}

function isIdentifierPart(character: string): boolean {
  return isIdentifierStart(character) || isDigit(character) || character === "-" || character === ".";
}

export class Lexer {
  private readonly cursor: Cursor;

  constructor(text: string) {
    this.cursor = new Cursor(text);
  }

  next(): Token {
    this.skipBlankAndComments();
    const position = this.cursor.position();
    const character = this.cursor.peek();
    if (character === "") return { type: "EOF", value: "", text: "", position };
    const punctuationType = punctuation[character];
    if (punctuationType !== undefined) {
      this.cursor.advance();
      return { type: punctuationType, value: character, text: character, position };
    }
    if (character === '"') return this.scanString(position);
    if (this.cursor.startsWith("<<")) return this.scanHeredoc(position);
    if (isDigit(character) || (character === "-" && isDigit(this.cursor.peek(1)))) return this.scanNumber(position);
    if (character === "." && isDigit(this.cursor.peek(1))) return this.scanNumber(position);
    if (isIdentifierStart(character)) return this.scanIdentifier(position);
    throw new HclSyntaxError(position, "illegal char");
  }

  private skipBlankAndComments(): void {
    for (;;) {
      const character = this.cursor.peek();
      if (isWhitespace(character)) {
        this.cursor.advance();
      } else if (character === "#" || this.cursor.startsWith("//")) {
        while (!this.cursor.atEnd && this.cursor.peek() !== "\n") this.cursor.advance();
      } else if (this.cursor.startsWith("/*")) {
        const start = this.cursor.position();
        this.cursor.advanceBy(2);
        while (!this.cursor.startsWith("*/")) {
          if (this.cursor.atEnd) throw new HclSyntaxError(start, "comment not terminated");
          this.cursor.advance();
        }
        this.cursor.advanceBy(2);
      } else {
        return;
      }
    }
  }

  private scanIdentifier(position: Position): Token {
    const start = this.cursor.index;
    while (isIdentifierPart(this.cursor.peek())) this.cursor.advance();
    const text = this.cursor.slice(start);
    if (text === "true" || text === "false") return { type: "BOOL", value: text === "true", text, position };
    return { type: "IDENT", value: text, text, position };
  }

  private scanNumber(position: Position): Token {
    const start = this.cursor.index;
    if (this.cursor.peek() === "-") this.cursor.advance();
    if (this.cursor.peek() === "0" && (this.cursor.peek(1) === "x" || this.cursor.peek(1) === "X")) {
      this.cursor.advanceBy(2);
      while (isHexDigit(this.cursor.peek())) this.cursor.advance();
      const text = this.cursor.slice(start);
      const negative = text.startsWith("-");
      const magnitude = Number.parseInt(text.slice(negative ? 3 : 2), 16);
      if (Number.isNaN(magnitude)) throw new HclSyntaxError(position, "illegal hexadecimal number");
      return { type: "NUMBER", value: negative ? -magnitude : magnitude, text, position };
    }
    let isFloat = false;
    while (isDigit(this.cursor.peek())) this.cursor.advance();
    if (this.cursor.peek() === ".") {
      isFloat = true;
      this.cursor.advance();
      while (isDigit(this.cursor.peek())) this.cursor.advance();
    }
    if (this.cursor.peek() === "e" || this.cursor.peek() === "E") {
      isFloat = true;
      this.cursor.advance();
      if (this.cursor.peek() === "+" || this.cursor.peek() === "-") this.cursor.advance();
      if (!isDigit(this.cursor.peek())) throw new HclSyntaxError(this.cursor.position(), "illegal exponent");
      while (isDigit(this.cursor.peek())) this.cursor.advance();
    }
    const text = this.cursor.slice(start);
    if (isFloat) return { type: "FLOAT", value: Number.parseFloat(text), text, position };
    return { type: "NUMBER", value: parseInteger(text), text, position };
  }

  private scanString(position: Position): Token {
    const start = this.cursor.index;
    this.cursor.advance();
    let value = "";
    // Inside `${ ... }` HCL1 allows nested quotes and braces; the text is kept verbatim.
    let interpolationDepth = 0;
    for (;;) {
      const character = this.cursor.peek();
      if (character === "" || (character === "\n" && interpolationDepth === 0)) {
        throw new HclSyntaxError(this.cursor.position(), "literal not terminated");
      }
      if (interpolationDepth === 0 && character === '"') break;
      if (this.cursor.startsWith("${")) {
        interpolationDepth += 1;
        value += "${";
        this.cursor.advanceBy(2);
        continue;
      }
      if (interpolationDepth > 0) {
        if (character === "{") interpolationDepth += 1;
        if (character === "}") interpolationDepth -= 1;
        value += this.cursor.advance();
        continue;
      }
      if (character === "\\") {
        value += this.scanEscape();
        continue;
      }
      value += this.cursor.advance();
    }
    this.cursor.advance();
    return { type: "STRING", value, text: this.cursor.slice(start), position };
  }

  private scanEscape(): string {
    const position = this.cursor.position();
    this.cursor.advance();
    const character = this.cursor.advance();
    const simple = simpleEscapes[character];
    if (simple !== undefined) return simple;
    const readDigits = (count: number, test: (digit: string) => boolean): string => {
      let digits = character === "x" || character === "u" || character === "U" ? "" : character;
      while (digits.length < count) {
        const digit = this.cursor.peek();
        if (!test(digit)) throw new HclSyntaxError(position, "illegal char escape");
        digits += this.cursor.advance();
      }
      return digits;
    };
    let codePoint: number;
    if (character >= "0" && character <= "7") {
      codePoint = Number.parseInt(
        readDigits(3, (digit) => digit >= "0" && digit <= "7"),
        8,
      );
    } else if (character === "x") {
      codePoint = Number.parseInt(readDigits(2, isHexDigit), 16);
    } else if (character === "u") {
      codePoint = Number.parseInt(readDigits(4, isHexDigit), 16);
    } else if (character === "U") {
      codePoint = Number.parseInt(readDigits(8, isHexDigit), 16);
    } else {
      throw new HclSyntaxError(position, "illegal char escape");
    }
    if (codePoint > 0x10ffff) throw new HclSyntaxError(position, "escape sequence is invalid Unicode code point");
    return String.fromCodePoint(codePoint);
  }

  /**
   * `<<ANCHOR` up to a line holding only the anchor (after optional
   * whitespace); with `<<-ANCHOR` that line must be indented. As in HCL1, the
   * closing line must end with a newline.
   */
  private scanHeredoc(position: Position): Token {
    const start = this.cursor.index;
    this.cursor.advanceBy(2);
    const indented = this.cursor.peek() === "-";
    if (indented) this.cursor.advance();
    const anchorStart = this.cursor.index;
    while (isHeredocAnchorPart(this.cursor.peek())) this.cursor.advance();
    const anchor = this.cursor.slice(anchorStart);
    if (this.cursor.atEnd) throw new HclSyntaxError(this.cursor.position(), "heredoc not terminated");
    if (this.cursor.peek() === "\r" && this.cursor.peek(1) === "\n") this.cursor.advance();
    if (this.cursor.peek() !== "\n")
      throw new HclSyntaxError(this.cursor.position(), "invalid characters in heredoc anchor");
    if (anchor === "") throw new HclSyntaxError(position, "zero-length heredoc anchor");
    this.cursor.advance();
    const closing = new RegExp(`^[ \\t\\n\\v\\f\\r]${indented ? "+" : "*"}${anchor}\\r*$`);
    const lines: string[] = [];
    for (;;) {
      const lineStart = this.cursor.index;
      while (!this.cursor.atEnd && this.cursor.peek() !== "\n") this.cursor.advance();
      if (this.cursor.atEnd) throw new HclSyntaxError(this.cursor.position(), "heredoc not terminated");
      const line = this.cursor.slice(lineStart);
      this.cursor.advance();
      if (closing.test(line)) {
        lines.push(line.slice(0, line.lastIndexOf(anchor)));
        break;
      }
      lines.push(line);
    }
    return { type: "HEREDOC", value: heredocValue(lines, indented), text: this.cursor.slice(start), position };
  }
}

function isHeredocAnchorPart(character: string): boolean {
  return isIdentifierStart(character) || isDigit(character);
}

function parseInteger(text: string): number {
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  // Like Go's ParseInt with base 0: a leading 0 means octal.
  const magnitude = digits.length > 1 && digits.startsWith("0") ? Number.parseInt(digits, 8) : Number(digits);
  return negative ? -magnitude : magnitude;
}

/**
 * `lines` ends with the text before the closing anchor on its own line. A
 * plain heredoc keeps everything; `<<-` removes the closing line's
 * indentation from every line when all lines carry it (HCL1's rule).
 */
function heredocValue(lines: readonly string[], indented: boolean): string {
  const body = lines.slice(0, -1);
  const closingIndent = lines[lines.length - 1] ?? "";
  if (!indented) return [...body, closingIndent].join("\n");
  if (!body.every((line) => line.startsWith(closingIndent))) {
    return [...body, closingIndent].join("\n").replace(/[ \t]+$/, "");
  }
  return [...body.map((line) => line.slice(closingIndent.length)), ""].join("\n");
}
