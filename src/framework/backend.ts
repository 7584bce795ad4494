/**
 * A LogicalBackend built from Path declarations: routes a request to the
 * first path whose pattern matches the whole path, converts its input into
 * typed FieldData, dispatches to the operation's handler, and answers help,
 * OpenAPI, existence checks and lease renew/revoke from the declarations.
 */
import { assert, CofferError, internalError, invalidRequest } from "../lib/index.js";
import type { ExistenceResult, LogicalBackend, Request, Response, SpecialPaths } from "../logical/index.js";
import { FieldData, type FieldSchemas } from "./field-data.js";
import { pathHelpMarkdown, rootHelpMarkdown } from "./help.js";
import { documentBackend, documentPath, emptyOpenApiDocument, type OpenApiDocument } from "./openapi.js";
import type { Path, PathOperation } from "./path.js";

/** Renews or revokes a lease, or renews a login; gets the request the core sends. */
export type LeaseHandler = (request: Request) => Promise<Response | undefined>;

/** A kind of dynamic secret the backend hands out (Vault's framework.Secret). */
export interface SecretTypeSpec {
  readonly type: string;
  /** Shape of the secret's data, for documentation. */
  readonly fields?: FieldSchemas;
  /** Lease TTL of a new secret, seconds; 0 means the mount's default. */
  readonly defaultTtlSeconds?: number;
  readonly maxTtlSeconds?: number;
  /** Without one, leases of this type are not renewable. */
  readonly renew?: LeaseHandler;
  readonly revoke: LeaseHandler;
}

export interface BackendSpec {
  /** The mount type (`kv`, `cubbyhole`, `database`, `token`, `system`). */
  readonly type: string;
  /** Tag of its OpenAPI operations; default `secrets`. */
  readonly kind?: "secrets" | "auth" | "system";
  /** Overview shown by help at the mount root. */
  readonly help: string;
  /** Tried in order; the first whose pattern matches the whole path wins. */
  readonly paths: readonly Path[];
  readonly specialPaths?: SpecialPaths;
  readonly secretTypes?: readonly SecretTypeSpec[];
  /** Renews a token issued by this auth method (`auth` renew); absent means not renewable. */
  readonly authRenew?: LeaseHandler;
  /** Periodic housekeeping, run on the core's `rollback` operation. */
  readonly periodic?: (request: Request) => Promise<void>;
  readonly initialize?: () => Promise<void>;
  readonly cleanup?: () => Promise<void>;
  readonly invalidate?: (key: string) => void;
  /** Printed as OpenAPI `info.version`. */
  readonly version?: string;
}

export interface RouteMatch {
  readonly path: Path;
  /** Named captures of the pattern ("" for a group that matched nothing). */
  readonly captures: Readonly<Record<string, string>>;
}

export function unsupportedPath(): CofferError {
  return new CofferError("unsupported_path", "unsupported path");
}

export function unsupportedOperation(): CofferError {
  return new CofferError("unsupported_operation", "unsupported operation");
}

export class FrameworkBackend implements LogicalBackend {
  readonly type: string;
  readonly specialPaths: SpecialPaths;
  readonly #spec: BackendSpec;

  constructor(spec: BackendSpec) {
    assert(spec.paths.length > 0, `backend ${spec.type} declares no path`);
    const secretTypes = new Set(spec.secretTypes?.map((secret) => secret.type));
    assert(secretTypes.size === (spec.secretTypes?.length ?? 0), `backend ${spec.type} declares a secret type twice`);
    this.type = spec.type;
    this.specialPaths = spec.specialPaths ?? {};
    this.#spec = spec;
  }

  get paths(): readonly Path[] {
    return this.#spec.paths;
  }

  route(requestPath: string): RouteMatch | undefined {
    for (const path of this.#spec.paths) {
      const captures = path.match(requestPath);
      if (captures) return { path, captures };
    }
    return undefined;
  }

  async handle(request: Request): Promise<Response | undefined> {
    switch (request.operation) {
      case "renew":
      case "revoke":
        return this.#handleLease(request);
      case "rollback":
        await this.#spec.periodic?.(request);
        return undefined;
      case "help":
        return this.help(request);
      default:
        return this.#dispatch(request, request.operation);
    }
  }

  async #dispatch(request: Request, operation: PathOperation): Promise<Response | undefined> {
    const match = this.route(request.path);
    if (!match) throw unsupportedPath();
    const spec = match.path.operation(operation);
    if (!spec) throw unsupportedOperation();
    const { raw, ignored, replaced } = requestInput(request, match);
    let data: FieldData;
    try {
      data = FieldData.parse(match.path.fields, raw);
    } catch (error) {
      if (error instanceof CofferError)
        throw invalidRequest(`Field validation failed: ${error.message}`, { cause: error });
      throw error;
    }
    const response = await spec.handler(request, data);
    if (response === undefined) return undefined;
    const warnings = [...(response.warnings ?? [])];
    if (ignored.length > 0) warnings.push(`Endpoint ignored these unrecognized parameters: [${ignored.join(" ")}]`);
    if (replaced.length > 0) {
      warnings.push(
        `Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [${replaced.join(" ")}]`,
      );
    }
    return warnings.length > 0 ? { ...response, warnings } : response;
  }

  async existenceCheck(request: Request): Promise<ExistenceResult> {
    assert(
      request.operation === "create" || request.operation === "update",
      `existence check asked for a ${request.operation} request`,
    );
    const match = this.route(request.path);
    if (!match) throw unsupportedPath();
    const check = match.path.existenceCheck;
    if (!check) return { checkFound: false, exists: false };
    const data = FieldData.parse(match.path.fields, requestInput(request, match).raw);
    return { checkFound: true, exists: await check(request, data) };
  }

  async help(request: Request): Promise<Response> {
    if (request.path === "") {
      const help = rootHelpMarkdown(this.#spec.help, this.#spec.paths);
      return { data: { help, openapi: this.openApi(), see_also: null } };
    }
    const match = this.route(request.path);
    if (!match) throw unsupportedPath();
    const openapi = emptyOpenApiDocument(this.#spec.version);
    documentPath(this.#openApiSource(), match.path, openapi);
    return { data: { help: pathHelpMarkdown(request.path, match.path), openapi, see_also: null } };
  }

  /** The OpenAPI document of every path, relative to the mount. */
  openApi(): OpenApiDocument {
    return documentBackend(this.#openApiSource(), this.#spec.version);
  }

  /**
   * A response carrying a secret of a declared type, with its lease options;
   * the type is kept in `internalData.secret_type` so renew and revoke find
   * their handlers again.
   */
  secretResponse(type: string, data: Record<string, unknown>, internalData: Record<string, unknown>): Response {
    const secretType = this.#secretType(type);
    assert(secretType !== undefined, `backend ${this.type} has no secret type ${type}`);
    return {
      data,
      secret: {
        ttlSeconds: secretType.defaultTtlSeconds ?? 0,
        maxTtlSeconds: secretType.maxTtlSeconds ?? 0,
        renewable: secretType.renew !== undefined,
        internalData: { ...internalData, secret_type: type },
      },
    };
  }

  async initialize(): Promise<void> {
    await this.#spec.initialize?.();
  }

  async cleanup(): Promise<void> {
    await this.#spec.cleanup?.();
  }

  invalidate(key: string): void {
    this.#spec.invalidate?.(key);
  }

  #openApiSource() {
    return {
      type: this.type,
      kind: this.#spec.kind ?? "secrets",
      specialPaths: this.specialPaths,
      paths: this.#spec.paths,
    };
  }

  #secretType(type: string): SecretTypeSpec | undefined {
    return this.#spec.secretTypes?.find((secret) => secret.type === type);
  }

  async #handleLease(request: Request): Promise<Response | undefined> {
    if (request.operation === "renew" && request.auth !== undefined && request.secret === undefined) {
      if (!this.#spec.authRenew) throw invalidRequest("this auth type doesn't support renew");
      return this.#spec.authRenew(request);
    }
    if (!request.secret) throw internalError("request has no secret");
    const type = request.secret.internalData["secret_type"];
    const secretType = typeof type === "string" ? this.#secretType(type) : undefined;
    if (!secretType) throw internalError("secret is unsupported by this backend");
    if (request.operation === "revoke") return secretType.revoke(request);
    if (!secretType.renew) throw unsupportedOperation();
    return secretType.renew(request);
  }
}

/**
 * The input a path sees: the request data, then the pattern's captures (which
 * win, as in Vault); plus which keys no field declares and which body keys a
 * capture replaced, for the warnings.
 */
function requestInput(
  request: Request,
  match: RouteMatch,
): { raw: Readonly<Record<string, unknown>>; ignored: string[]; replaced: string[] } {
  const fields = match.path.fields;
  const bodyKeys = Object.keys(request.data);
  const ignored = match.path.takesArbitraryInput ? [] : bodyKeys.filter((key) => !Object.hasOwn(fields, key)).sort();
  const replaced = Object.keys(match.captures)
    .filter((name) => Object.hasOwn(request.data, name) && request.data[name] !== null)
    .sort();
  // fromEntries defines own properties, so a "__proto__" key stays plain data.
  const raw = Object.fromEntries([...Object.entries(request.data), ...Object.entries(match.captures)]);
  return { raw, ignored, replaced };
}
