/**
 * Typed access to a request's input. A path declares its fields; the
 * framework converts every declared field present in the request (body or
 * query, plus the captures of the path pattern) before the handler runs, so a
 * handler only ever sees values of the declared type.
 */
import { assert, CofferError } from "../lib/index.js";
import {
  convertField,
  FieldConversionError,
  type FieldType,
  type FieldValueByType,
  formatGoValue,
  zeroValue,
} from "./field-types.js";

/** Hints for UIs and documentation (Vault's DisplayAttributes), copied into OpenAPI. */
export interface DisplayAttributes {
  readonly name?: string;
  /** A sample value to show; display only, unrelated to `default`. */
  readonly value?: unknown;
  /** Mask the value in UIs (passwords, keys). */
  readonly sensitive?: boolean;
  readonly group?: string;
  /** `textarea`, `file`, ... */
  readonly editType?: string;
}

export interface FieldSchema<T extends FieldType = FieldType> {
  readonly type: T;
  readonly description: string;
  /** Used when the field is absent; given as request input would be (`"1h"` for a duration). */
  readonly default?: unknown;
  /**
   * Documentation only, as in Vault (OpenAPI `required`): handlers check
   * presence themselves so they can answer with Vault's own message, or call
   * `FieldData.require`.
   */
  readonly required?: boolean;
  /** Enforced: a value given outside this list is a 400. Also OpenAPI `enum`. */
  readonly allowedValues?: readonly unknown[];
  /** Documented as a query parameter of GET/DELETE (it is accepted from the body anyway). */
  readonly query?: boolean;
  readonly deprecated?: boolean;
  readonly display?: DisplayAttributes;
}

export type FieldSchemas = Readonly<Record<string, FieldSchema>>;

/** The TypeScript type a declared field reads as. */
export type FieldValueOf<S> = S extends FieldSchema<infer T> ? FieldValueByType[T] : never;

/** Thrown for input that does not convert; the message is Vault's shape. */
export function conversionError(field: string, raw: unknown, reason: string): CofferError {
  return new CofferError(
    "invalid_request",
    `error converting input ${formatGoValue(raw)} for field "${field}": ${reason}`,
  );
}

function convertOrThrow(field: string, schema: FieldSchema, raw: unknown): unknown {
  let value: unknown;
  try {
    value = convertField(schema.type, raw);
  } catch (error) {
    if (error instanceof FieldConversionError) throw conversionError(field, raw, error.message);
    throw error;
  }
  if (schema.allowedValues && !schema.allowedValues.includes(value)) {
    throw conversionError(field, raw, `value must be one of ${formatGoValue(schema.allowedValues)}`);
  }
  return value;
}

/** Checks a declared default converts (a coding error otherwise), at path definition time. */
export function checkFieldDefaults(fields: FieldSchemas, where: string): void {
  for (const [name, schema] of Object.entries(fields)) {
    if (schema.default === undefined) continue;
    try {
      convertOrThrow(name, schema, schema.default);
    } catch (error) {
      assert(false, `${where}: default of field "${name}" does not convert: ${(error as Error).message}`);
    }
  }
}

export class FieldData<F extends FieldSchemas = FieldSchemas> {
  /** Every input key (declared or not) and the pattern captures; captures win over body keys. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly schema: F;
  readonly #given: ReadonlyMap<string, unknown>;

  private constructor(schema: F, raw: Readonly<Record<string, unknown>>, given: ReadonlyMap<string, unknown>) {
    this.schema = schema;
    this.raw = raw;
    this.#given = given;
  }

  /**
   * Converts every declared field present in `raw`. A JSON `null` counts as
   * not given (merge-patch handlers read nulls from `raw`). Throws a 400
   * CofferError naming the first field that does not convert.
   */
  static parse<F extends FieldSchemas>(schema: F, raw: Readonly<Record<string, unknown>>): FieldData<F> {
    const given = new Map<string, unknown>();
    for (const [name, fieldSchema] of Object.entries(schema)) {
      if (!Object.hasOwn(raw, name)) continue;
      const input = raw[name];
      if (input === null || input === undefined) continue;
      given.set(name, convertOrThrow(name, fieldSchema, input));
    }
    return new FieldData(schema, raw, given);
  }

  /** The given value, else the default, else the type's zero value. */
  get<K extends keyof F & string>(name: K): FieldValueOf<F[K]> {
    const schema = this.#schemaOf(name);
    if (this.#given.has(name)) return cloneValue(this.#given.get(name)) as FieldValueOf<F[K]>;
    if (schema.default !== undefined) return convertOrThrow(name, schema, schema.default) as FieldValueOf<F[K]>;
    return zeroValue(schema.type) as FieldValueOf<F[K]>;
  }

  /** The given value, or undefined when the request did not carry the field. */
  getOk<K extends keyof F & string>(name: K): FieldValueOf<F[K]> | undefined {
    this.#schemaOf(name);
    return this.#given.has(name) ? (cloneValue(this.#given.get(name)) as FieldValueOf<F[K]>) : undefined;
  }

  has(name: keyof F & string): boolean {
    this.#schemaOf(name);
    return this.#given.has(name);
  }

  /** The given value, or a 400 `missing <name>` when absent. */
  require<K extends keyof F & string>(name: K): FieldValueOf<F[K]> {
    const value = this.getOk(name);
    if (value === undefined) throw new CofferError("invalid_request", `missing ${name}`);
    return value;
  }

  #schemaOf(name: string): FieldSchema {
    const schema = Object.hasOwn(this.schema, name) ? this.schema[name] : undefined;
    assert(schema !== undefined, `field "${name}" is not declared on this path`);
    return schema;
  }
}

/** Handlers may mutate what they get; the stored conversion stays intact. */
function cloneValue(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === "object" && value !== null) return structuredClone(value);
  return value;
}
