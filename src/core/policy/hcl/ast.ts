/**
 * The syntax tree of an HCL1 (or JSON) policy document, with the position of
 * every node so that errors found after parsing can name their line. Nodes are
 * plain data and never mutated after the parser returns them.
 */

/** 1-based line and column (columns count UTF-16 code units). */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export type LiteralValue = string | number | boolean | null;

export interface LiteralNode {
  readonly kind: "literal";
  readonly value: LiteralValue;
  readonly position: Position;
}

export interface ListNode {
  readonly kind: "list";
  readonly elements: readonly ValueNode[];
  readonly position: Position;
}

export interface ObjectNode {
  readonly kind: "object";
  readonly items: readonly ObjectItem[];
  readonly position: Position;
}

export type ValueNode = LiteralNode | ListNode | ObjectNode;

export interface ObjectKey {
  readonly text: string;
  readonly position: Position;
}

/**
 * `key = value`, or a block `key "label" { ... }` (several keys, an object
 * value). `assigned` tells the two forms apart.
 */
export interface ObjectItem {
  readonly keys: readonly ObjectKey[];
  readonly value: ValueNode;
  readonly assigned: boolean;
}

export interface Document {
  /** JSON documents start with `{`; Vault's HCL library switches parsers on the same test. */
  readonly syntax: "hcl" | "json";
  readonly items: readonly ObjectItem[];
}

/** A syntax error at a position; the message follows HCL1's `At line:column: ...` form. */
export class HclSyntaxError extends Error {
  override readonly name = "HclSyntaxError";
  readonly position: Position;
  readonly detail: string;

  constructor(position: Position, detail: string) {
    super(`At ${position.line}:${position.column}: ${detail}`);
    this.position = position;
    this.detail = detail;
  }
}
