/**
 * How a standby hands a request to the active node. HTTP declares the
 * interface; the server implements it over the cluster port (gRPC, mTLS) and
 * wires it in. The active's answer is returned to the client unchanged.
 */
export interface ForwardedRequest {
  readonly method: string;
  /** Path and query, as received (`/v1/secret/data/x?version=2`). */
  readonly url: string;
  /** [name, value] as received (node's rawHeaders pairs). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Whether the client reached the standby over TLS. */
  readonly tls: boolean;
}

export interface ForwardedResponse {
  readonly statusCode: number;
  /** [name, value] in the order the active wrote them. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
}

export interface Forwarder {
  /**
   * Runs `request` on the active node. Rejects with a typed error (503
   * `no active Vault instance found` when none is reachable in time).
   */
  forward(request: ForwardedRequest): Promise<ForwardedResponse>;
}
