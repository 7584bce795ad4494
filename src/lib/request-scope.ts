/**
 * State that belongs to one API request and must reach code several layers
 * down without being passed through every signature: the storage layer's
 * leadership confirmation. One AsyncLocalStorage, entered by the core for
 * each request; code outside a request (timers, background jobs) sees no
 * scope and behaves as before.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestScope {
  /**
   * Set by a linearizable storage backend at the request's first read: one
   * leadership confirmation (a ReadIndex round) serves every later read of the
   * same request, and resolves with the leader term it confirmed, which the
   * request's writes are then fenced on.
   */
  leadershipConfirmation?: Promise<number>;
}

const requestScopes = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(work: () => Promise<T>): Promise<T> {
  return requestScopes.run({}, work);
}

export function currentRequestScope(): RequestScope | undefined {
  return requestScopes.getStore();
}
