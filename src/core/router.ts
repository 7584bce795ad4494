/**
 * The router: the longest mount path that prefixes a request path wins, as
 * in Vault's radix-tree router. It also answers, per mount, whether a path is
 * unauthenticated or sudo-protected (a backend's special paths).
 */
import type { LogicalBackend, Storage } from "../logical/index.js";
import { type MountEntry, routePath } from "./mounts/mount-entry.js";

export interface RouteEntry {
  readonly mount: MountEntry;
  readonly backend: LogicalBackend;
  readonly storage: Storage;
  /** Path the mount is routed at (`secret/`, `auth/token/`). */
  readonly routePath: string;
  readonly unauthenticated: SpecialPathMatcher;
  readonly sudo: SpecialPathMatcher;
}

export interface RouteMatch {
  readonly entry: RouteEntry;
  /** The request path relative to the mount. */
  readonly relativePath: string;
}

/**
 * Vault's special-path patterns: exact, `*` suffix (prefix match), and `+`
 * for exactly one segment.
 */
export class SpecialPathMatcher {
  readonly #patterns: ReadonlyArray<{ segments: string[]; prefix: boolean }>;

  constructor(patterns: readonly string[]) {
    this.#patterns = patterns.map((pattern) => {
      const prefix = pattern.endsWith("*");
      return { segments: (prefix ? pattern.slice(0, -1) : pattern).split("/"), prefix };
    });
  }

  matches(path: string): boolean {
    const segments = path.split("/");
    return this.#patterns.some((pattern) => matchSegments(pattern.segments, pattern.prefix, segments));
  }
}

function matchSegments(pattern: string[], prefix: boolean, path: string[]): boolean {
  if (!prefix && pattern.length !== path.length) return false;
  if (prefix && path.length < pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const have = path[i] as string;
    const isLast = i === pattern.length - 1;
    if (want === "+") continue;
    if (isLast && prefix) return have.startsWith(want);
    if (want !== have) return false;
  }
  return true;
}

export class Router {
  #routes: RouteEntry[] = [];

  mount(mount: MountEntry, backend: LogicalBackend, storage: Storage): RouteEntry {
    const path = routePath(mount);
    const entry: RouteEntry = {
      mount,
      backend,
      storage,
      routePath: path,
      unauthenticated: new SpecialPathMatcher(backend.specialPaths.unauthenticated ?? []),
      sudo: new SpecialPathMatcher(backend.specialPaths.root ?? []),
    };
    // Longest first, so the first prefix hit is the longest match.
    this.#routes = [...this.#routes.filter((route) => route.routePath !== path), entry].sort(
      (a, b) => b.routePath.length - a.routePath.length,
    );
    return entry;
  }

  unmount(routePathToRemove: string): RouteEntry | undefined {
    const removed = this.#routes.find((route) => route.routePath === routePathToRemove);
    this.#routes = this.#routes.filter((route) => route !== removed);
    return removed;
  }

  /** Replaces the mount entry of a route (after tune) without re-creating its backend. */
  retune(mount: MountEntry): void {
    const path = routePath(mount);
    this.#routes = this.#routes.map((route) => (route.routePath === path ? { ...route, mount } : route));
  }

  match(path: string): RouteMatch | undefined {
    for (const entry of this.#routes) {
      if (path.startsWith(entry.routePath)) return { entry, relativePath: path.slice(entry.routePath.length) };
      // `LIST secret` arrives as `secret/`; a read of the bare mount name (`secret`) is not a route, as in Vault.
    }
    return undefined;
  }

  routes(): readonly RouteEntry[] {
    return this.#routes;
  }

  clear(): RouteEntry[] {
    const removed = this.#routes;
    this.#routes = [];
    return removed;
  }
}
