/**
 * Every bound and timing of the core, in one place, validated with floors and
 * ceilings. Time is ticks: the driver decides how long a tick is (and converts
 * milliseconds once).
 */
import { invalidRequest } from "../lib/index.js";

const mebibyte = 1024 * 1024;

export interface RaftConfig {
  /** Ticks without hearing from a leader before a follower campaigns; randomized per term in [electionTicks, 2*electionTicks). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats. */
  readonly heartbeatTicks: number;
  /** Run a pre-vote round before a real election, so a partitioned server cannot inflate terms (thesis §9.6). */
  readonly preVote: boolean;
  /** A leader steps down when it has not heard from a quorum within an election timeout; voters ignore campaigns while they hear a leader (thesis §6.2). */
  readonly checkQuorum: boolean;
  /** Byte bound on the entries of one appendEntries (one entry is always sent, whatever its size). */
  readonly messageBytesMax: number;
  /** Append messages in flight to one follower before the leader waits for acknowledgements. */
  readonly inflightMessagesMax: number;
  /** Entry bytes in flight to one follower before the leader waits for acknowledgements. */
  readonly inflightBytesMax: number;
  /** Bytes of proposals the leader holds uncommitted before it refuses more (one is always accepted). */
  readonly uncommittedBytesMax: number;
  /** Byte bound on `committedEntries` in one Ready. */
  readonly committedBytesPerReadyMax: number;
  /** Pending ReadIndex requests a leader holds before it refuses more. */
  readonly readIndexQueueMax: number;
}

export const defaultRaftConfig: RaftConfig = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  messageBytesMax: 1 * mebibyte,
  inflightMessagesMax: 256,
  inflightBytesMax: 32 * mebibyte,
  uncommittedBytesMax: 64 * mebibyte,
  committedBytesPerReadyMax: 16 * mebibyte,
  readIndexQueueMax: 4096,
};

interface Bound {
  readonly min: number;
  readonly max: number;
}

const bounds: Record<Exclude<keyof RaftConfig, "preVote" | "checkQuorum">, Bound> = {
  electionTicks: { min: 2, max: 10_000 },
  heartbeatTicks: { min: 1, max: 5_000 },
  messageBytesMax: { min: 1024, max: 64 * mebibyte },
  inflightMessagesMax: { min: 1, max: 65_536 },
  inflightBytesMax: { min: 1024, max: 1024 * mebibyte },
  uncommittedBytesMax: { min: 1024, max: 4096 * mebibyte },
  committedBytesPerReadyMax: { min: 1024, max: 1024 * mebibyte },
  readIndexQueueMax: { min: 1, max: 1_000_000 },
};

/**
 * Fills defaults and checks every bound and relation; throws an
 * `invalid_request` CofferError naming the first offending field.
 */
export function validateRaftConfig(input: Partial<RaftConfig> = {}): RaftConfig {
  const config: RaftConfig = { ...defaultRaftConfig, ...input };
  for (const [name, bound] of Object.entries(bounds)) {
    const value = config[name as keyof typeof bounds];
    if (!Number.isSafeInteger(value) || value < bound.min || value > bound.max) {
      throw invalidRequest(`raft config: ${name} must be an integer in [${bound.min}, ${bound.max}], got ${value}`);
    }
  }
  // A follower must see at least two heartbeats per election timeout, or one
  // lost heartbeat starts an election (and, with check-quorum, deposes a healthy leader).
  if (config.electionTicks < 2 * config.heartbeatTicks) {
    throw invalidRequest(
      `raft config: electionTicks (${config.electionTicks}) must be at least twice heartbeatTicks (${config.heartbeatTicks})`,
    );
  }
  if (config.inflightBytesMax < config.messageBytesMax) {
    throw invalidRequest("raft config: inflightBytesMax must be at least messageBytesMax");
  }
  if (config.uncommittedBytesMax < config.messageBytesMax) {
    throw invalidRequest("raft config: uncommittedBytesMax must be at least messageBytesMax");
  }
  return config;
}
