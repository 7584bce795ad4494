/**
 * Everything the core runs while it is unsealed and active: mount tables,
 * router, policies, tokens and the pipeline. Built by `startActive` at
 * unseal (or when a standby becomes active) and torn down by `stop` at seal
 * or step-down; nothing here outlives the keys that decrypt it.
 */
import type { AesGcmBarrier } from "../barrier/index.js";
import { type Clock, newUuid, randomBase62 } from "../lib/index.js";
import { type BackendFactory, getJson, type Logger, PrefixedStorage, putJson, type Request } from "../logical/index.js";
import type { CofferMetrics } from "../metrics/index.js";
import { AuditBroker } from "./audit-broker.js";
import type { MetricsFormat, MetricsOutput } from "./facade.js";
import { type BackendRegistry, Mounter, MountTable, newMountEntry } from "./mounts/index.js";
import { Pipeline, type ResponseFinisher } from "./pipeline.js";
import { PolicyStore } from "./policy-store.js";
import { Router } from "./router.js";
import { createSystemBackend, type LifecycleControl, type SystemContext } from "./system/index.js";
import { type TokenEntry, TokenStore } from "./token/index.js";

export interface ActiveOptions {
  readonly barrier: AesGcmBarrier;
  readonly registry: BackendRegistry;
  readonly metrics: CofferMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly defaultLeaseTtlSeconds: number;
  readonly maxLeaseTtlSeconds: number;
  readonly version: string;
  readonly lifecycle: LifecycleControl;
  readonly renderMetrics: (format: MetricsFormat) => Promise<MetricsOutput>;
}

export interface ClusterInfo {
  readonly name: string;
  readonly id: string;
}

const clusterInfoKey = "core/cluster/local/info";

export class ActiveCore {
  readonly router: Router;
  readonly mounter: Mounter;
  readonly policies: PolicyStore;
  readonly tokens: TokenStore;
  readonly audit: AuditBroker;
  readonly pipeline: Pipeline;
  readonly clusterInfo: ClusterInfo;

  private constructor(parts: {
    router: Router;
    mounter: Mounter;
    policies: PolicyStore;
    tokens: TokenStore;
    audit: AuditBroker;
    pipeline: Pipeline;
    clusterInfo: ClusterInfo;
  }) {
    this.router = parts.router;
    this.mounter = parts.mounter;
    this.policies = parts.policies;
    this.tokens = parts.tokens;
    this.audit = parts.audit;
    this.pipeline = parts.pipeline;
    this.clusterInfo = parts.clusterInfo;
  }

  static async start(options: ActiveOptions, finisher?: ResponseFinisher): Promise<ActiveCore> {
    const barrier = options.barrier;
    const clusterInfo = await loadClusterInfo(barrier);
    const policies = new PolicyStore(new PrefixedStorage(barrier, "sys/"));
    await policies.setupDefaults();
    const tokens = await TokenStore.open(new PrefixedStorage(barrier, "sys/token/"), options.clock);
    const router = new Router();
    const audit = new AuditBroker();

    let mounter: Mounter | undefined;
    const context = (): SystemContext => ({
      mounter: mounter as Mounter,
      router,
      policies,
      tokens,
      keyring: barrier,
      lifecycle: options.lifecycle,
      logger: options.logger,
      metrics: options.renderMetrics,
      revokeLeasesByPrefix: async () => {},
      callerPolicies: (request: Request) => request.callerAuth?.policies ?? [],
    });
    const systemFactory: BackendFactory = async () => createSystemBackend(context(), options.version);
    const registry: BackendRegistry = {
      engines: new Map([...options.registry.engines, ["system", systemFactory]]),
      authMethods: options.registry.authMethods,
    };
    const { mounts, auth } = await loadTables(barrier);
    mounter = new Mounter(
      {
        barrier,
        router,
        registry,
        logger: options.logger,
        clock: options.clock,
        defaultLeaseTtlSeconds: options.defaultLeaseTtlSeconds,
        maxLeaseTtlSeconds: options.maxLeaseTtlSeconds,
        isStandby: () => false,
      },
      { mounts, auth },
    );
    await mounter.mountAll();
    const pipeline = new Pipeline({
      router,
      tokens,
      resolveAccess: policies.resolveAccess,
      audit,
      finisher,
      metrics: options.metrics,
      clock: options.clock,
    });
    return new ActiveCore({ router, mounter, policies, tokens, audit, pipeline, clusterInfo });
  }

  async stop(): Promise<void> {
    await this.mounter.unmountAll();
  }

  /**
   * Creates a root token (init, dev mode, generate-root). `token` may be
   * given (dev mode's `-dev-root-token-id`); otherwise a new one is made.
   */
  async createRootToken(clock: Clock, token: string = TokenStore.newToken()): Promise<string> {
    const nowMs = clock.nowMs();
    const tokenAccessor = randomBase62(24);
    const entry: Omit<TokenEntry, "saltedId"> = {
      accessor: tokenAccessor,
      parentSaltedId: "",
      policies: ["root"],
      path: "auth/token/root",
      meta: {},
      displayName: "root",
      numUses: 0,
      creationTimeMs: nowMs,
      ttlSeconds: 0,
      explicitMaxTtlSeconds: 0,
      periodSeconds: 0,
      expireTimeMs: 0,
      lastRenewalTimeMs: 0,
      renewable: false,
      type: "service",
      cubbyholeId: newUuid(),
      entityId: "",
      role: "",
      boundCidrs: [],
      noIdentityPolicies: false,
      mountAccessor: this.mounter.tables.auth.find("token/")?.accessor ?? "",
      internalData: {},
    };
    await this.tokens.create(token, entry);
    return token;
  }
}

async function loadClusterInfo(barrier: AesGcmBarrier): Promise<ClusterInfo> {
  const stored = await getJson<ClusterInfo>(barrier, clusterInfoKey);
  if (stored) return stored;
  const id = newUuid();
  const info: ClusterInfo = { name: `vault-cluster-${id.slice(0, 8)}`, id };
  await putJson(barrier, clusterInfoKey, info);
  return info;
}

/** Loads the mount tables, writing Vault's default entries on first unseal. */
async function loadTables(barrier: AesGcmBarrier): Promise<{ mounts: MountTable; auth: MountTable }> {
  let mounts = await MountTable.load(barrier, "mounts");
  if (!mounts) {
    mounts = MountTable.empty("mounts");
    await mounts.add(
      barrier,
      newMountEntry({
        table: "mounts",
        path: "cubbyhole/",
        type: "cubbyhole",
        description: "per-token private secret storage",
        local: true,
      }),
    );
    await mounts.add(
      barrier,
      newMountEntry({
        table: "mounts",
        path: "sys/",
        type: "system",
        description: "system endpoints used for control, policy and debugging",
        config: { passthroughRequestHeaders: ["Accept"] },
      }),
    );
  }
  let auth = await MountTable.load(barrier, "auth");
  if (!auth) {
    auth = MountTable.empty("auth");
    await auth.add(
      barrier,
      newMountEntry({ table: "auth", path: "token/", type: "token", description: "token based credentials" }),
    );
  }
  return { mounts, auth };
}
