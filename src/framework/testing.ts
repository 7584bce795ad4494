/**
 * Driving a backend in tests the way the core does, without HTTP: requests
 * built with sane defaults, writes turned into create or update by the
 * path's existence check, LIST paths given their trailing `/`.
 */
import { type Clock, ManualClock } from "../lib/index.js";
import {
  type BackendConfig,
  type LogicalBackend,
  type Operation,
  type Request,
  type Response,
  type Storage,
  type SystemView,
  silentLogger,
} from "../logical/index.js";
import { InmemStorage } from "../logical/testing.js";

/** Vault's default mount TTLs (768h). */
const defaultLeaseTtlSeconds = 2_764_800;

export function testSystemView(clock: Clock = new ManualClock()): SystemView {
  return {
    defaultLeaseTtlSeconds: () => defaultLeaseTtlSeconds,
    maxLeaseTtlSeconds: () => defaultLeaseTtlSeconds,
    clock,
    isStandby: () => false,
  };
}

export interface TestConfigOptions {
  readonly storage?: Storage;
  readonly clock?: Clock;
  readonly options?: Record<string, string>;
  readonly mountPath?: string;
}

export function testBackendConfig(options: TestConfigOptions = {}): BackendConfig {
  return {
    storage: options.storage ?? new InmemStorage(),
    system: testSystemView(options.clock),
    logger: silentLogger,
    options: options.options ?? {},
    mountPath: options.mountPath ?? "test/",
    backendUuid: "00000000-0000-4000-8000-000000000000",
  };
}

/** Request fields a test may set beyond operation, path and data. */
export type TestRequestExtras = Partial<Omit<Request, "operation" | "path" | "data" | "storage">>;

export function testRequest(
  operation: Operation,
  path: string,
  storage: Storage,
  data: Record<string, unknown> = {},
  extras: TestRequestExtras = {},
): Request {
  return {
    id: "test-request",
    operation,
    path,
    data,
    storage,
    clientToken: "",
    clientTokenAccessor: "",
    mountPoint: "test/",
    mountType: "test",
    mountAccessor: "test_00000000",
    headers: {},
    ...extras,
  };
}

/** A backend and its storage, answering requests as the core would route them. */
export class BackendHarness {
  constructor(
    readonly backend: LogicalBackend,
    readonly storage: Storage,
    readonly extras: TestRequestExtras = {},
  ) {}

  /** Sends one request as given (no existence check, no path rewriting). */
  send(operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<Response | undefined> {
    return this.backend.handle(testRequest(operation, path, this.storage, data, this.extras));
  }

  read(path: string, data: Record<string, unknown> = {}): Promise<Response | undefined> {
    return this.send("read", path, data);
  }

  /** LIST as HTTP sends it: the path gets a trailing `/` unless it is the mount root. */
  list(path: string, data: Record<string, unknown> = {}): Promise<Response | undefined> {
    const folder = path === "" || path.endsWith("/") ? path : `${path}/`;
    return this.send("list", folder, data);
  }

  /** PUT/POST: create when the existence check says the target is missing, else update. */
  async write(path: string, data: Record<string, unknown> = {}): Promise<Response | undefined> {
    return this.send(await this.writeOperation(path, data), path, data);
  }

  /** What the core would turn a write into. */
  async writeOperation(path: string, data: Record<string, unknown> = {}): Promise<"create" | "update"> {
    const request = testRequest("update", path, this.storage, data, this.extras);
    const existence = await this.backend.existenceCheck(request);
    return existence.checkFound && !existence.exists ? "create" : "update";
  }

  patch(path: string, data: Record<string, unknown> = {}): Promise<Response | undefined> {
    return this.send("patch", path, data);
  }

  delete(path: string, data: Record<string, unknown> = {}): Promise<Response | undefined> {
    return this.send("delete", path, data);
  }

  help(path: string): Promise<Response> {
    return this.backend.help(testRequest("help", path, this.storage, {}, this.extras));
  }
}
