/**
 * A recursive-descent parser for HCL1's native syntax, following
 * hashicorp/hcl v1's grammar (the one Vault policies are written in): a list
 * of items, each `key [key...] { ... }` or `key = value`, optionally separated
 * by commas; values are literals, lists and objects.
 */
import {
  HclSyntaxError,
  type ListNode,
  type ObjectItem,
  type ObjectKey,
  type ObjectNode,
  type ValueNode,
} from "./ast.js";
import { Lexer, type Token } from "./lexer.js";

/** Nesting deeper than this is refused rather than risking the stack on hostile input. */
const nestingDepthMax = 64;

export function parseHclItems(text: string): ObjectItem[] {
  return new HclParser(text).parseDocument();
}

class HclParser {
  private readonly lexer: Lexer;
  private token: Token;
  private depth = 0;

  constructor(text: string) {
    this.lexer = new Lexer(text);
    this.token = this.lexer.next();
  }

  parseDocument(): ObjectItem[] {
    const items = this.parseItems(false);
    if (this.token.type !== "EOF") {
      throw new HclSyntaxError(
        this.token.position,
        `expected: IDENT | STRING | ASSIGN | LBRACE got: ${this.token.type}`,
      );
    }
    return items;
  }

  /** Read through a method so TypeScript does not carry narrowing across advance(). */
  private currentType(): Token["type"] {
    return this.token.type;
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private parseItems(insideObject: boolean): ObjectItem[] {
    const items: ObjectItem[] = [];
    for (;;) {
      if (this.token.type === "EOF") {
        if (insideObject) throw new HclSyntaxError(this.token.position, "object expected closing RBRACE got: EOF");
        return items;
      }
      if (this.token.type === "RBRACE") {
        if (insideObject) return items;
        throw new HclSyntaxError(this.token.position, "expected: IDENT | STRING | ASSIGN | LBRACE got: RBRACE");
      }
      items.push(this.parseItem());
      if (this.token.type === "COMMA") this.advance();
    }
  }

  private parseItem(): ObjectItem {
    const keys: ObjectKey[] = [];
    while (this.token.type === "IDENT" || this.token.type === "STRING") {
      const key = this.advance();
      keys.push({ text: String(key.value), position: key.position });
    }
    if (keys.length === 0) {
      throw new HclSyntaxError(
        this.token.position,
        `expected: IDENT | STRING | ASSIGN | LBRACE got: ${this.token.type}`,
      );
    }
    if (this.token.type === "ASSIGN") {
      if (keys.length > 1) throw new HclSyntaxError(this.token.position, "nested object expected: LBRACE got: ASSIGN");
      this.advance();
      return { keys, value: this.parseValue(), assigned: true };
    }
    if (this.token.type === "LBRACE") return { keys, value: this.parseObject(), assigned: false };
    const names = keys.map((key) => key.text).join(" ");
    throw new HclSyntaxError(this.token.position, `key '${names}' expected start of object ('{') or assignment ('=')`);
  }

  private parseValue(): ValueNode {
    const token = this.token;
    switch (token.type) {
      case "STRING":
      case "HEREDOC":
      case "NUMBER":
      case "FLOAT":
      case "BOOL":
        this.advance();
        return { kind: "literal", value: token.value, position: token.position };
      case "LBRACK":
        return this.parseList();
      case "LBRACE":
        return this.parseObject();
      default:
        throw new HclSyntaxError(
          token.position,
          `Unknown token: ${token.position.line}:${token.position.column} ${token.type} ${token.text}`,
        );
    }
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > nestingDepthMax) throw new HclSyntaxError(this.token.position, "nesting too deep");
  }

  private parseObject(): ObjectNode {
    this.enter();
    const open = this.advance();
    const items = this.parseItems(true);
    this.advance();
    this.depth -= 1;
    return { kind: "object", items, position: open.position };
  }

  private parseList(): ListNode {
    this.enter();
    const open = this.advance();
    const elements: ValueNode[] = [];
    for (;;) {
      if (this.currentType() === "RBRACK") break;
      // HCL1 tolerates stray commas (`[,]`, `["a", ]`).
      if (this.currentType() === "COMMA") {
        this.advance();
        continue;
      }
      if (this.currentType() === "EOF")
        throw new HclSyntaxError(this.token.position, "list expected closing RBRACK got: EOF");
      const element = this.parseValue();
      elements.push(element);
      // HCL1 asks for no comma after a nested list (`[[1] 2]` parses).
      if (element.kind === "list") continue;
      if (this.currentType() === "COMMA") {
        this.advance();
      } else if (this.currentType() !== "RBRACK") {
        throw new HclSyntaxError(
          this.token.position,
          `error parsing list, expected comma or list end, got: ${this.currentType()}`,
        );
      }
    }
    this.advance();
    this.depth -= 1;
    return { kind: "list", elements, position: open.position };
  }
}
