/**
 * The core's access to per-token cubbyholes: reads and writes go through the
 * cubbyhole backend itself (as a request carrying the token's cubbyhole id);
 * destruction clears the `<cubbyholeId>/` prefix of the mount's view, the
 * layout the cubbyhole engine documents.
 */
import { assert, internalError, newUuid } from "../../lib/index.js";
import { clearPrefix, type Operation, type Response } from "../../logical/index.js";
import type { RouteEntry, Router } from "../router.js";

export class Cubbyholes {
  readonly #router: Router;

  constructor(router: Router) {
    this.#router = router;
  }

  #route(): RouteEntry | undefined {
    return this.#router.routes().find((route) => route.mount.type === "cubbyhole");
  }

  async #send(
    cubbyholeId: string,
    operation: Operation,
    path: string,
    data: Record<string, unknown>,
  ): Promise<Response | undefined> {
    const route = this.#route();
    if (!route) throw internalError("no cubbyhole mount");
    return route.backend.handle({
      id: newUuid(),
      operation,
      path,
      data,
      storage: route.storage,
      clientToken: "",
      clientTokenAccessor: "",
      mountPoint: route.routePath,
      mountType: route.mount.type,
      mountAccessor: route.mount.accessor,
      headers: {},
      cubbyholeId,
    });
  }

  async write(cubbyholeId: string, path: string, data: Record<string, unknown>): Promise<void> {
    await this.#send(cubbyholeId, "update", path, data);
  }

  async read(cubbyholeId: string, path: string): Promise<Record<string, unknown> | undefined> {
    return (await this.#send(cubbyholeId, "read", path, {}))?.data;
  }

  /** Deletes everything in a token's cubbyhole (the token is being revoked). */
  async destroy(cubbyholeId: string): Promise<void> {
    const route = this.#route();
    if (!route || cubbyholeId === "") return;
    assert(!cubbyholeId.includes("/"), "a cubbyhole id never contains '/'");
    await clearPrefix(route.storage, `${cubbyholeId}/`);
  }

  /** Destroys every cubbyhole whose id is not in `liveIds` (token tidy); returns how many. */
  async destroyAllBut(liveIds: ReadonlySet<string>): Promise<number> {
    const route = this.#route();
    if (!route) return 0;
    let destroyed = 0;
    for (const folder of await route.storage.list("")) {
      const id = folder.replace(/\/$/, "");
      if (!folder.endsWith("/") || liveIds.has(id)) continue;
      await clearPrefix(route.storage, folder);
      destroyed += 1;
    }
    return destroyed;
  }
}
