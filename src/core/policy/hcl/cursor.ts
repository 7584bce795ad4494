/** A read position in source text that keeps the line and column current. */
import type { Position } from "./ast.js";

export class Cursor {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.offset >= this.text.length;
  }

  get index(): number {
    return this.offset;
  }

  position(): Position {
    return { line: this.line, column: this.column };
  }

  /** The character `ahead` places from here, or "" past the end. */
  peek(ahead = 0): string {
    return this.text.charAt(this.offset + ahead);
  }

  startsWith(prefix: string): boolean {
    return this.text.startsWith(prefix, this.offset);
  }

  /** Consumes one character and returns it ("" at the end). */
  advance(): string {
    const character = this.text.charAt(this.offset);
    if (character === "") return "";
    this.offset += 1;
    if (character === "\n") {
      this.line += 1;
      this.column = 1;
    } else {
      this.column += 1;
    }
    return character;
  }

  advanceBy(count: number): void {
    for (let step = 0; step < count; step += 1) this.advance();
  }

  slice(start: number, end = this.offset): string {
    return this.text.slice(start, end);
  }
}

export function isDigit(character: string): boolean {
  return character >= "0" && character <= "9";
}

export function isHexDigit(character: string): boolean {
  return /^[0-9a-fA-F]$/.test(character);
}

export function isWhitespace(character: string): boolean {
  return character === " " || character === "\t" || character === "\n" || character === "\r";
}
