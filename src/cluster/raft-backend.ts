/**
 * `storage "raft"`: the physical Backend whose writes are Raft proposals and
 * whose reads are served by the local FSM after a linearizability barrier.
 *
 * Writes resolve once the entry is committed and applied on this node, so a
 * read on the same node right after sees it. Reads wait for `readIndex()`:
 * the FSM has applied everything committed when the read began, so a read
 * never returns a value older than an acknowledged write (no stale reads
 * from a deposed leader or a lagging follower).
 */
import type { Backend, TransactionOp } from "../physical/index.js";
import { ClosedError, checkKey, checkTransaction, checkValue } from "../physical/index.js";

/** What the backend needs from the Raft driver (RaftDriver implements it). */
export interface RaftProposer {
  /** Replicates `ops` (already checked) as one entry; resolves once it is committed and applied on this node. */
  propose(ops: readonly TransactionOp[]): Promise<unknown>;
  /** Resolves once this node's FSM has applied everything committed when the call was made. */
  readIndex(): Promise<unknown>;
}

/** The FSM's read side (Fsm implements it). */
export interface FsmReader {
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
}

export interface RaftBackendOptions {
  readonly proposer: RaftProposer;
  readonly fsm: FsmReader;
  /** Releases what the backend owns, once, on the first `close()` (the composition root decides). */
  readonly onClose?: () => Promise<void>;
}

export class RaftBackend implements Backend {
  readonly #proposer: RaftProposer;
  readonly #fsm: FsmReader;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RaftBackendOptions) {
    this.#proposer = options.proposer;
    this.#fsm = options.fsm;
    this.#onClose = options.onClose;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    checkKey(key);
    await this.#proposer.readIndex();
    return this.#fsm.get(key);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#checkOpen();
    checkKey(key);
    checkValue(value);
    await this.#propose([{ type: "put", key, value }]);
  }

  async delete(key: string): Promise<void> {
    this.#checkOpen();
    checkKey(key);
    await this.#propose([{ type: "delete", key }]);
  }

  async list(prefix: string): Promise<string[]> {
    this.#checkOpen();
    await this.#proposer.readIndex();
    return this.#fsm.list(prefix);
  }

  async transaction(ops: readonly TransactionOp[]): Promise<void> {
    this.#checkOpen();
    checkTransaction(ops);
    if (ops.length === 0) return;
    await this.#propose(ops);
  }

  async close(): Promise<void> {
    this.#closing ??= this.#onClose?.() ?? Promise.resolve();
    await this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #propose(ops: readonly TransactionOp[]): Promise<void> {
    await this.#proposer.propose(ops);
  }

  #checkOpen(): void {
    if (this.#closing !== undefined) throw new ClosedError();
  }
}
