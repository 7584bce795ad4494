/**
 * Everything the core runs while it is unsealed and active: mount tables,
 * router, policies, tokens and the pipeline. Built by `startActive` at
 * unseal (or when a standby becomes active) and torn down by `stop` at seal
 * or step-down; nothing here outlives the keys that decrypt it.
 */
import type { AesGcmBarrier } from "../barrier/index.js";
import type { Path } from "../framework/index.js";
import { type Clock, newUuid } from "../lib/index.js";
import { type BackendFactory, getJson, type Logger, PrefixedStorage, putJson, type Request } from "../logical/index.js";
import type { CofferMetrics } from "../metrics/index.js";
import { AuditBroker } from "./audit-broker.js";
import { ExpirationManager, type MountTtls, type RetryPolicy, type TimerDriver } from "./expiration/index.js";
import type { MetricsFormat, MetricsOutput } from "./facade.js";
import { CoreFinisher } from "./finisher.js";
import { type BackendRegistry, type MountEntry, Mounter, MountTable, newMountEntry } from "./mounts/index.js";
import { Pipeline } from "./pipeline.js";
import { PolicyStore } from "./policy-store.js";
import { Router } from "./router.js";
import { createSystemBackend, type LifecycleControl, type SystemContext } from "./system/index.js";
import { createTokenBackend } from "./token/auth/index.js";
import { type TokenEntry, TokenRoleStore, TokenStore } from "./token/index.js";
import { ResponseWrapper } from "./wrapping/index.js";

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
  /** How lease expiry waits (tests pass `manualTimers` and call `expiration.runDue()`); Node timers by default. */
  readonly expirationTimers?: TimerDriver;
  /** Backoff of failed revocations; Vault's schedule by default. */
  readonly revocationRetry?: RetryPolicy;
  /** sys paths beyond the built-in ones (the raft API on clustered storage). */
  readonly extraSystemPaths?: readonly Path[];
}

export interface ClusterInfo {
  readonly name: string;
  readonly id: string;
}

const clusterInfoKey = "core/cluster/local/info";

interface ActiveParts {
  router: Router;
  mounter: Mounter;
  policies: PolicyStore;
  tokens: TokenStore;
  expiration: ExpirationManager;
  wrapper: ResponseWrapper;
  audit: AuditBroker;
  pipeline: Pipeline;
  clusterInfo: ClusterInfo;
}

/** What the built-in backends and the finisher share: tokens, leases and wrapping over the system view. */
interface TokenServices {
  readonly tokens: TokenStore;
  readonly roles: TokenRoleStore;
  readonly expiration: ExpirationManager;
  readonly wrapper: ResponseWrapper;
}

async function tokenServices(
  options: ActiveOptions,
  systemView: PrefixedStorage,
  router: Router,
  mountTtls: (mount: MountEntry) => MountTtls,
): Promise<TokenServices> {
  const tokens = await TokenStore.open(systemView, options.clock);
  const expiration = new ExpirationManager({
    storage: systemView,
    tokens,
    router,
    mountTtls,
    clock: options.clock,
    logger: options.logger.child({ component: "expiration" }),
    metrics: options.metrics,
    ...(options.expirationTimers ? { timers: options.expirationTimers } : {}),
    ...(options.revocationRetry ? { retry: options.revocationRetry } : {}),
  });
  const wrapper = new ResponseWrapper({
    tokens,
    expiration,
    router,
    clock: options.clock,
    metrics: options.metrics,
    logger: options.logger.child({ component: "wrapping" }),
  });
  tokens.setRevocationHooks({
    revokeLeasesOf: (entry) => expiration.revokeByToken(entry),
    destroyCubbyhole: (cubbyholeId) => wrapper.cubbyholes.destroy(cubbyholeId),
  });
  return { tokens, roles: new TokenRoleStore(systemView), expiration, wrapper };
}

export class ActiveCore {
  readonly router: Router;
  readonly mounter: Mounter;
  readonly policies: PolicyStore;
  readonly tokens: TokenStore;
  readonly expiration: ExpirationManager;
  readonly wrapper: ResponseWrapper;
  readonly audit: AuditBroker;
  readonly pipeline: Pipeline;
  readonly clusterInfo: ClusterInfo;

  private constructor(parts: ActiveParts) {
    this.router = parts.router;
    this.mounter = parts.mounter;
    this.policies = parts.policies;
    this.tokens = parts.tokens;
    this.expiration = parts.expiration;
    this.wrapper = parts.wrapper;
    this.audit = parts.audit;
    this.pipeline = parts.pipeline;
    this.clusterInfo = parts.clusterInfo;
  }

  static async start(options: ActiveOptions): Promise<ActiveCore> {
    const barrier = options.barrier;
    const clusterInfo = await loadClusterInfo(barrier);
    const systemView = new PrefixedStorage(barrier, "sys/");
    const policies = new PolicyStore(systemView);
    await policies.setupDefaults();
    const router = new Router();
    const audit = new AuditBroker();
    let mounter: Mounter | undefined;
    const mountTtls = (mount: MountEntry): MountTtls => (mounter as Mounter).effectiveTtls(mount);
    const services = await tokenServices(options, systemView, router, mountTtls);
    const { tokens, expiration, wrapper } = services;

    const context = (): SystemContext => ({
      mounter: mounter as Mounter,
      router,
      policies,
      tokens,
      keyring: barrier,
      lifecycle: options.lifecycle,
      logger: options.logger,
      clock: options.clock,
      expiration,
      wrapping: wrapper,
      metrics: options.renderMetrics,
      revokeLeasesByPrefix: (prefix) => expiration.revokePrefix(prefix, { sync: true, force: false }),
      callerPolicies: (request: Request) => request.callerAuth?.policies ?? [],
    });
    const systemFactory: BackendFactory = async () =>
      createSystemBackend(context(), options.version, [...(options.extraSystemPaths ?? [])]);
    const tokenFactory: BackendFactory = async (config) =>
      createTokenBackend({
        ...services,
        system: config.system,
        clock: options.clock,
        logger: config.logger,
        metrics: options.metrics,
        policyExists: async (name) => (await policies.get(name)) !== undefined,
        hasSudo: async (names, path) =>
          names.includes("root") || (await policies.acl(names)).capabilities(path).includes("sudo"),
        destroyOrphanCubbyholes: (liveIds) => wrapper.cubbyholes.destroyAllBut(liveIds),
      });
    const registry: BackendRegistry = {
      engines: new Map([...options.registry.engines, ["system", systemFactory]]),
      authMethods: new Map([...options.registry.authMethods, ["token", tokenFactory]]),
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
    // After the mounts: revoking a restored, past-due lease goes through its backend.
    await expiration.restore();
    const finisher = new CoreFinisher({
      expiration,
      wrapper,
      tokens,
      login: { expiration, mountTtls, clock: options.clock, metrics: options.metrics, logger: options.logger },
    });
    const pipeline = new Pipeline({
      router,
      tokens,
      resolveAccess: policies.resolveAccess,
      audit,
      finisher,
      metrics: options.metrics,
      clock: options.clock,
      logger: options.logger.child({ component: "request" }),
      validateWrappingToken: (request) => wrapper.validate(request),
    });
    return new ActiveCore({ router, mounter, policies, tokens, expiration, wrapper, audit, pipeline, clusterInfo });
  }

  /** Seal or step-down: lease timers stop first, then the backends. */
  async stop(): Promise<void> {
    await this.expiration.stop();
    await this.mounter.unmountAll();
  }

  /**
   * Creates a root token (init, dev mode, generate-root). `token` may be
   * given (dev mode's `-dev-root-token-id`); otherwise a new one is made.
   */
  async createRootToken(clock: Clock, token: string = TokenStore.newToken()): Promise<string> {
    const nowMs = clock.nowMs();
    const tokenAccessor = TokenStore.newAccessor();
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
