/**
 * A Path declares one group of endpoints: its pattern, typed fields, the
 * operations it answers with their handlers, an optional existence check and
 * its help. Backends are lists of Paths (see FrameworkBackend).
 */

import { assert } from "../lib/index.js";
import type { Request, Response } from "../logical/index.js";
import { checkFieldDefaults, type FieldData, type FieldSchemas } from "./field-data.js";
import { compilePattern, matchPattern } from "./patterns.js";

/** The operations a Path can answer (help, renew, revoke and rollback are the backend's). */
export const pathOperations = ["read", "list", "create", "update", "patch", "delete"] as const;
export type PathOperation = (typeof pathOperations)[number];

/** Answers one operation; undefined means "no response" (204 for writes, 404 for reads). */
export type OperationHandler<F extends FieldSchemas = FieldSchemas> = (
  request: Request,
  data: FieldData<F>,
) => Promise<Response | undefined>;

/** True when the target of a create/update exists (then the request is an update). */
export type ExistenceCheck<F extends FieldSchemas = FieldSchemas> = (
  request: Request,
  data: FieldData<F>,
) => Promise<boolean>;

/** A documented response of an operation, for OpenAPI. */
export interface ResponseSpec {
  readonly description: string;
  /** The shape of `data`, documented only (never checked). */
  readonly fields?: FieldSchemas;
}

export interface OperationSpec<F extends FieldSchemas = FieldSchemas> {
  readonly handler: OperationHandler<F>;
  /** One line, shown in OpenAPI and help. */
  readonly summary?: string;
  readonly description?: string;
  readonly responses?: Readonly<Record<number, ResponseSpec>>;
  /** Left out of OpenAPI (catch-all paths that only explain an error). */
  readonly unpublished?: boolean;
  readonly deprecated?: boolean;
  /** Middle and last word of the OpenAPI operationId (`kv-v2` `read` `metadata`). */
  readonly operationVerb?: string;
  readonly operationSuffix?: string;
}

/** Hints for documentation generators (Vault's path DisplayAttributes). */
export interface PathDisplay {
  /** First word of the OpenAPI operationIds of this path (default: the backend type). */
  readonly operationPrefix?: string;
  readonly operationVerb?: string;
  readonly operationSuffix?: string;
  readonly navigation?: boolean;
  readonly itemType?: string;
  readonly action?: string;
}

export interface PathSpec<F extends FieldSchemas> {
  /** A regular expression matched against the whole path; named groups are fields. */
  readonly pattern: string;
  readonly fields?: F;
  readonly operations: { readonly [K in PathOperation]?: OperationSpec<F> | OperationHandler<F> };
  /** Decides create versus update for the ACL; a path with a `create` operation must have one. */
  readonly existenceCheck?: ExistenceCheck<F>;
  /** The handler reads `request.data` as a whole (KV): undeclared keys are not warned about. */
  readonly takesArbitraryInput?: boolean;
  readonly helpSynopsis: string;
  readonly helpDescription?: string;
  readonly deprecated?: boolean;
  readonly display?: PathDisplay;
}

/** A declared path; build one with `definePath`. Immutable once built. */
export class Path {
  readonly pattern: string;
  readonly regex: RegExp;
  readonly fields: FieldSchemas;
  readonly operations: ReadonlyMap<PathOperation, OperationSpec>;
  readonly existenceCheck: ExistenceCheck | undefined;
  readonly takesArbitraryInput: boolean;
  readonly helpSynopsis: string;
  readonly helpDescription: string;
  readonly deprecated: boolean;
  readonly display: PathDisplay;

  constructor(spec: PathSpec<FieldSchemas>) {
    this.pattern = spec.pattern;
    this.regex = compilePattern(spec.pattern);
    this.fields = spec.fields ?? {};
    checkFieldDefaults(this.fields, `path ${spec.pattern}`);
    const operations = new Map<PathOperation, OperationSpec>();
    for (const operation of pathOperations) {
      const declared = spec.operations[operation];
      if (declared !== undefined)
        operations.set(operation, typeof declared === "function" ? { handler: declared } : declared);
    }
    assert(operations.size > 0, `path ${spec.pattern} declares no operation`);
    // Without an existence check the core never sends create, so a create handler would be dead code (Vault panics).
    assert(
      !operations.has("create") || spec.existenceCheck !== undefined,
      `path ${spec.pattern} declares create but no existence check`,
    );
    this.operations = operations;
    this.existenceCheck = spec.existenceCheck;
    this.takesArbitraryInput = spec.takesArbitraryInput ?? false;
    this.helpSynopsis = spec.helpSynopsis.trim();
    this.helpDescription = (spec.helpDescription ?? "").trim();
    this.deprecated = spec.deprecated ?? false;
    this.display = spec.display ?? {};
  }

  /** The named captures when `path` matches the whole pattern, else undefined. */
  match(path: string): Record<string, string> | undefined {
    return matchPattern(this.regex, path);
  }

  /**
   * The handler for an operation. `create` falls back to `update` when the
   * path declares no separate create (Vault's create-or-update endpoints).
   */
  operation(operation: PathOperation): OperationSpec | undefined {
    return this.operations.get(operation) ?? (operation === "create" ? this.operations.get("update") : undefined);
  }
}

/**
 * Declares a path. Field names and types are inferred from `fields`, so
 * handlers get typed values: `data.get("ttl")` is a number for a duration.
 */
export function definePath<const F extends FieldSchemas = Record<never, never>>(spec: PathSpec<F>): Path {
  // The handlers were checked against F; the Path stores them erased to FieldSchemas.
  return new Path(spec as unknown as PathSpec<FieldSchemas>);
}
