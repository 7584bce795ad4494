/**
 * How a standby hands a request to the active node. HTTP declares the
 * interface; the cluster layer implements it over the cluster port and the
 * server wires it in. The active's answer is returned to the client unchanged.
 */
export interface ForwardedRequest {
  readonly method: string;
  /** Path and query, as received (`/v1/secret/data/x?version=2`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface ForwardedResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Uint8Array;
}

export interface Forwarder {
  forward(request: ForwardedRequest): Promise<ForwardedResponse>;
}
