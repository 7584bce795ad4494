/**
 * OpenAPI 3.0 documents generated from path declarations, shaped like
 * Vault's (`sys/internal/specs/openapi`): one path item per template with its
 * URL parameters and `x-vault-*` extensions, one operation per HTTP method,
 * request bodies as named component schemas built from the fields.
 */
import type { SpecialPaths } from "../logical/index.js";
import type { DisplayAttributes, FieldSchema, FieldSchemas } from "./field-data.js";
import type { FieldType } from "./field-types.js";
import { expandPattern, templateParameters } from "./openapi-paths.js";
import type { OperationSpec, Path, PathDisplay, PathOperation } from "./path.js";

export const openApiVersion = "3.0.2";

export interface OpenApiSchema {
  type?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  default?: unknown;
  deprecated?: boolean;
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  $ref?: string;
  "x-vault-displayAttrs"?: DisplayAttributes;
}

export interface OpenApiParameter {
  name: string;
  description?: string;
  in: "path" | "query";
  schema: OpenApiSchema;
  required?: boolean;
  deprecated?: boolean;
}

export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: OpenApiSchema }>;
}

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  operationId: string;
  tags: string[];
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: OpenApiSchema }> };
  responses: Record<string, OpenApiResponse>;
  deprecated?: boolean;
}

export interface OpenApiPathItem {
  description?: string;
  parameters?: OpenApiParameter[];
  "x-vault-sudo"?: boolean;
  "x-vault-unauthenticated"?: boolean;
  "x-vault-createSupported"?: boolean;
  "x-vault-displayAttrs"?: PathDisplay;
  get?: OpenApiOperation;
  post?: OpenApiOperation;
  patch?: OpenApiOperation;
  delete?: OpenApiOperation;
}

/** A type alias (not an interface) so a document is assignable to Response data as it is. */
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; description: string; version: string; license: { name: string; url: string } };
  paths: Record<string, OpenApiPathItem>;
  components: { schemas: Record<string, OpenApiSchema> };
};

/** What the generator needs to know of a backend. */
export interface OpenApiSource {
  readonly type: string;
  /** OpenAPI tag of every operation, as Vault tags them. */
  readonly kind: "secrets" | "auth" | "system";
  readonly specialPaths: SpecialPaths;
  readonly paths: readonly Path[];
}

export function emptyOpenApiDocument(version = "unknown"): OpenApiDocument {
  return {
    openapi: openApiVersion,
    info: {
      title: "Coffer API",
      description: "HTTP API that gives you full access to Coffer. All API routes are prefixed with `/v1/`.",
      version,
      license: { name: "Mozilla Public License 2.0", url: "https://www.mozilla.org/en-US/MPL/2.0" },
    },
    paths: {},
    components: { schemas: {} },
  };
}

/** The document of a whole backend, paths relative to its mount (`/data/{path}`). */
export function documentBackend(source: OpenApiSource, version?: string): OpenApiDocument {
  const document = emptyOpenApiDocument(version);
  for (const path of source.paths) documentPath(source, path, document);
  return document;
}

/** Adds the templates of one path to `document`. */
export function documentPath(source: OpenApiSource, path: Path, document: OpenApiDocument): void {
  const published = [...path.operations].filter(([, spec]) => !spec.unpublished);
  if (published.length === 0) return;
  const operations = new Map(published);
  for (const template of expandPattern(path.pattern)) {
    const builder = new OperationBuilder(source, path, template, document);
    const item = builder.pathItem();
    const read = operations.get("read");
    const list = operations.get("list");
    if (read) item.get = builder.operation("read", read);
    if (list && read) {
      // Vault documents LIST beside READ as a GET on the folder form of the path.
      const listTemplate = template.endsWith("/") || template === "" ? template : `${template}/`;
      const listBuilder = new OperationBuilder(source, path, listTemplate, document);
      const listItem = document.paths[`/${listTemplate}`] ?? listBuilder.pathItem();
      listItem.get = listBuilder.operation("list", list);
      document.paths[`/${listTemplate}`] = listItem;
    } else if (list) {
      item.get = builder.operation("list", list);
    }
    const write = operations.get("update") ?? operations.get("create");
    if (write) item.post = builder.operation("update", write);
    const patch = operations.get("patch");
    if (patch) item.patch = builder.operation("patch", patch);
    const remove = operations.get("delete");
    if (remove) item.delete = builder.operation("delete", remove);
    if (item.get || item.post || item.patch || item.delete) document.paths[`/${template}`] = item;
  }
}

const defaultVerbs: Record<PathOperation, string> = {
  read: "read",
  list: "list",
  create: "write",
  update: "write",
  patch: "patch",
  delete: "delete",
};

class OperationBuilder {
  readonly #parameters: readonly string[];

  constructor(
    readonly source: OpenApiSource,
    readonly path: Path,
    readonly template: string,
    readonly document: OpenApiDocument,
  ) {
    this.#parameters = templateParameters(template);
  }

  pathItem(): OpenApiPathItem {
    const item: OpenApiPathItem = {};
    if (this.path.helpSynopsis) item.description = this.path.helpSynopsis;
    const parameters = this.#parameters.map((name) => this.#parameter(name, "path"));
    if (parameters.length > 0) item.parameters = parameters;
    if (specialPathMatches(this.template, this.source.specialPaths.root)) item["x-vault-sudo"] = true;
    if (specialPathMatches(this.template, this.source.specialPaths.unauthenticated)) {
      item["x-vault-unauthenticated"] = true;
    }
    if (this.path.existenceCheck && this.path.operation("create")) item["x-vault-createSupported"] = true;
    if (Object.keys(this.path.display).length > 0) item["x-vault-displayAttrs"] = this.path.display;
    return item;
  }

  operation(kind: PathOperation, spec: OperationSpec): OpenApiOperation {
    const operationId = this.#operationId(kind, spec);
    const operation: OpenApiOperation = {
      operationId,
      tags: [this.source.kind],
      responses: this.#responses(kind, spec, operationId),
    };
    if (spec.summary) operation.summary = spec.summary;
    if (spec.description) operation.description = spec.description;
    if (spec.deprecated) operation.deprecated = true;
    const parameters = this.#queryParameters(kind);
    if (parameters.length > 0) operation.parameters = parameters;
    if (kind === "update" || kind === "patch") {
      const schema = this.#bodySchema();
      if (schema) {
        const name = `${pascalCase(operationId)}Request`;
        this.document.components.schemas[name] = schema;
        const mediaType = kind === "patch" ? "application/merge-patch+json" : "application/json";
        operation.requestBody = {
          required: true,
          content: { [mediaType]: { schema: { $ref: `#/components/schemas/${name}` } } },
        };
      }
    }
    return operation;
  }

  #parameter(name: string, location: "path" | "query"): OpenApiParameter {
    const field = Object.hasOwn(this.path.fields, name) ? this.path.fields[name] : undefined;
    const parameter: OpenApiParameter = {
      name,
      in: location,
      schema: field ? fieldSchema(field, false) : { type: "string" },
    };
    if (field?.description) parameter.description = field.description.trim();
    if (location === "path") parameter.required = true;
    if (field?.deprecated) parameter.deprecated = true;
    return parameter;
  }

  #queryParameters(kind: PathOperation): OpenApiParameter[] {
    if (kind === "list") {
      return [
        {
          name: "list",
          description: "Must be set to `true`",
          in: "query",
          schema: { type: "string", enum: ["true"] },
          required: true,
        },
      ];
    }
    if (kind !== "read" && kind !== "delete") return [];
    return Object.entries(this.path.fields)
      .filter(([name, field]) => field.query && !this.#parameters.includes(name))
      .map(([name]) => this.#parameter(name, "query"));
  }

  #bodySchema(): OpenApiSchema | undefined {
    const entries = Object.entries(this.path.fields).filter(([name]) => !this.#parameters.includes(name));
    if (entries.length === 0) return undefined;
    return objectSchema(Object.fromEntries(entries));
  }

  #responses(kind: PathOperation, spec: OperationSpec, operationId: string): Record<string, OpenApiResponse> {
    if (!spec.responses) {
      return kind === "delete" ? { "204": { description: "empty body" } } : { "200": { description: "OK" } };
    }
    const responses: Record<string, OpenApiResponse> = {};
    for (const [code, response] of Object.entries(spec.responses)) {
      const documented: OpenApiResponse = { description: response.description };
      if (response.fields && Object.keys(response.fields).length > 0) {
        const name = `${pascalCase(operationId)}Response`;
        this.document.components.schemas[name] = objectSchema(response.fields);
        documented.content = { "application/json": { schema: { $ref: `#/components/schemas/${name}` } } };
      }
      responses[code] = documented;
    }
    return responses;
  }

  /** `<prefix>-<verb>[-<suffix>]`, made unique within the document. */
  #operationId(kind: PathOperation, spec: OperationSpec): string {
    const prefix = this.path.display.operationPrefix ?? this.source.type;
    const verb = spec.operationVerb ?? this.path.display.operationVerb ?? defaultVerbs[kind];
    // A path that names its operations (operationPrefix) gets no words guessed from its template.
    const guessed = this.path.display.operationPrefix === undefined ? templateWords(this.template) : "";
    const suffix = spec.operationSuffix ?? this.path.display.operationSuffix ?? guessed;
    const base = kebabCase([prefix, verb, suffix].filter((part) => part !== "").join("-"));
    const taken = usedOperationIds(this.document);
    let candidate = base;
    for (let counter = 2; taken.has(candidate); counter++) candidate = `${base}-${counter}`;
    taken.add(candidate);
    return candidate;
  }
}

/** OperationIds handed out per document, so that every one is unique. */
const operationIdsByDocument = new WeakMap<OpenApiDocument, Set<string>>();

function usedOperationIds(document: OpenApiDocument): Set<string> {
  let used = operationIdsByDocument.get(document);
  if (!used) {
    used = new Set();
    operationIdsByDocument.set(document, used);
  }
  return used;
}

function objectSchema(fields: FieldSchemas): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    properties[name] = fieldSchema(field, true);
    if (field.required) required.push(name);
  }
  return required.length > 0 ? { type: "object", properties, required } : { type: "object", properties };
}

const schemaByFieldType: Record<FieldType, OpenApiSchema> = {
  string: { type: "string" },
  "lowercase-string": { type: "string" },
  name: { type: "string", pattern: "\\w([\\w-.]*\\w)?" },
  int: { type: "integer" },
  int64: { type: "integer", format: "int64" },
  float: { type: "number" },
  bool: { type: "boolean" },
  duration: { type: "string", format: "duration" },
  "signed-duration": { type: "string", format: "duration" },
  map: { type: "object" },
  "kv-pairs": { type: "object" },
  slice: { type: "array", items: { type: "object" } },
  "string-slice": { type: "array", items: { type: "string" } },
  "comma-string-slice": { type: "array", items: { type: "string" } },
  "comma-int-slice": { type: "array", items: { type: "integer" } },
  header: { type: "object" },
  time: { type: "string", format: "date-time" },
};

/** The OpenAPI schema of one field; descriptions are left to the parameter when it is one. */
export function fieldSchema(field: FieldSchema, withDescription: boolean): OpenApiSchema {
  const schema: OpenApiSchema = structuredClone(schemaByFieldType[field.type]);
  if (withDescription && field.description.trim()) schema.description = field.description.trim();
  if (field.allowedValues) schema.enum = [...field.allowedValues];
  if (field.default !== undefined) schema.default = field.default;
  if (field.deprecated) schema.deprecated = true;
  if (field.display) schema["x-vault-displayAttrs"] = field.display;
  return schema;
}

/** Vault's special-path match on a template: exact, `*` suffix as prefix, `+` one segment. */
export function specialPathMatches(template: string, patterns: readonly string[] | undefined): boolean {
  return (patterns ?? []).some((pattern) => {
    const prefix = pattern.endsWith("*");
    const wanted = (prefix ? pattern.slice(0, -1) : pattern).split("/");
    const have = template.split("/");
    if (prefix ? have.length < wanted.length : have.length !== wanted.length) return false;
    return wanted.every((segment, index) => {
      const actual = have[index] as string;
      if (segment === "+") return true;
      return prefix && index === wanted.length - 1 ? actual.startsWith(segment) : actual === segment;
    });
  });
}

/** The literal words of a template, for operationIds: `data/{path}` -> `data`. */
function templateWords(template: string): string {
  return template
    .split("/")
    .filter((segment) => segment !== "" && !/^\{\w+\}$/.test(segment))
    .join("-");
}

function kebabCase(text: string): string {
  return text
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase();
}

function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** Reads back a document that travelled as response data (`help` answers carry one). */
export function asOpenApiDocument(value: unknown): OpenApiDocument | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const candidate = value as Partial<OpenApiDocument>;
  if (typeof candidate.openapi !== "string" || typeof candidate.paths !== "object" || candidate.paths === null) {
    return undefined;
  }
  return candidate as OpenApiDocument;
}

/**
 * One document for the whole server (`sys/internal/specs/openapi`): each
 * mount's paths prefixed with its mount path (`secret/` + `/data/{path}` ->
 * `/secret/data/{path}`); component schemas merged, the first of a name kept.
 */
export function mergeOpenApiDocuments(
  parts: ReadonlyArray<{ readonly mountPath: string; readonly document: OpenApiDocument }>,
  version?: string,
): OpenApiDocument {
  const merged = emptyOpenApiDocument(version);
  for (const { mountPath, document } of parts) {
    const prefix = mountPath.replace(/^\/+|\/+$/g, "");
    for (const [template, item] of Object.entries(document.paths)) {
      const joined = prefix === "" ? template : template === "/" ? `/${prefix}/` : `/${prefix}${template}`;
      merged.paths[joined] = item;
    }
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      if (!Object.hasOwn(merged.components.schemas, name)) merged.components.schemas[name] = schema;
    }
  }
  return merged;
}
