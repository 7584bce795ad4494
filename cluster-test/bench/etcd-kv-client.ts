/**
 * A gRPC client for etcd's KV.Put, from our own minimal etcd-kv.proto loaded
 * at run time with @grpc/proto-loader.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

interface PutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

interface PutResponse {
  readonly header?: { readonly revision?: string };
}

type PutCallback = (error: grpc.ServiceError | null, response?: PutResponse) => void;

interface KvStub extends grpc.Client {
  Put(request: PutRequest, callback: PutCallback): grpc.ClientUnaryCall;
}

type KvConstructor = new (address: string, credentials: grpc.ChannelCredentials) => KvStub;

/** The .proto sits beside this file's source (cluster-test/bench), not in dist/. */
function protoPath(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, "package.json"))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error("etcd-kv.proto: repository root not found");
    directory = parent;
  }
  return join(directory, "cluster-test", "bench", "etcd-kv.proto");
}

function kvConstructor(): KvConstructor {
  const definition = protoLoader.loadSync(protoPath(), { keepCase: true, longs: String, defaults: false });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { etcdserverpb: { KV: KvConstructor } };
  return loaded.etcdserverpb.KV;
}

export class EtcdKvClient {
  readonly #stub: KvStub;

  constructor(address: string) {
    const Kv = kvConstructor();
    this.#stub = new Kv(address, grpc.credentials.createInsecure());
  }

  /** Puts `value` at `key`; resolves with the store's revision after it. */
  put(key: Uint8Array, value: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#stub.Put({ key, value }, (error, response) => {
        if (error) reject(error);
        else resolve(Number(response?.header?.revision ?? Number.NaN));
      });
    });
  }

  close(): void {
    this.#stub.close();
  }
}
