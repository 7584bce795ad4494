/**
 * The kernel network layer (root only): one network namespace per node,
 * each with a veth link to a bridge in the root namespace that also carries
 * an address for the test's clients. Processes start inside a namespace
 * with `ip netns exec <ns> ...` (see `commandPrefix`).
 *
 * Cutting A -> B adds, in B's namespace, a policy-routing rule that
 * blackholes packets from A's address — a silent drop of everything A sends
 * to B (SYNs included), while B's packets to A still arrive: a one-way cut
 * with real TCP behaviour (retransmits, then delivery after the heal). The
 * namespace's `local` lookup is moved behind those rules so that they also
 * apply to packets addressed to B itself. Clients in the root namespace are
 * never cut off.
 *
 * Only `ip` (iproute2) is needed: no iptables or nft, and `tc`'s netem and
 * classifiers are not required (they are absent on this machine kind, so
 * link delay is only offered by the proxy layer).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type Link, type LinkFaults, linkName } from "./links.js";

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run("ip", args);
  return stdout;
}

/** Rule preference of the cut from node `index`; the moved `local` lookup sits behind all of them. */
const cutPreferenceBase = 100;
const localLookupPreference = 1000;

export interface NamespaceProbe {
  readonly available: boolean;
  readonly reason: string;
}

/** Whether namespaces with veth, a bridge and policy rules can be made here (tries it). */
export async function probeNamespaces(): Promise<NamespaceProbe> {
  if (process.platform !== "linux") return { available: false, reason: "not Linux" };
  if (process.getuid?.() !== 0) return { available: false, reason: "not running as root" };
  let network: NamespaceNetwork | undefined;
  try {
    network = await NamespaceNetwork.create(["probe1", "probe2"]);
    await network.cut("probe1", "probe2");
    await network.heal("probe1", "probe2");
    return { available: true, reason: "ip netns, veth, bridge and ip rule work" };
  } catch (error) {
    return { available: false, reason: `network namespaces unusable: ${(error as Error).message.split("\n")[0]}` };
  } finally {
    await network?.close();
  }
}

export class NamespaceNetwork implements LinkFaults {
  readonly kind = "netns";
  readonly #names: readonly string[];
  readonly #tag: string;
  readonly #subnet: string;
  readonly #cut = new Set<string>();
  #closed = false;

  private constructor(names: readonly string[], tag: string, subnet: string) {
    this.#names = names;
    this.#tag = tag;
    this.#subnet = subnet;
  }

  /** Creates a bridge and one namespace per node name (removing leftovers of dead runs first). */
  static async create(names: readonly string[]): Promise<NamespaceNetwork> {
    if (names.length > 200) throw new Error("too many nodes for one /24");
    await removeLeftovers();
    const tag = `cf${process.pid.toString(36)}${uniqueSuffix()}`;
    const network = new NamespaceNetwork(names, tag, await freeSubnet());
    try {
      await network.#build();
    } catch (error) {
      await network.close();
      throw error;
    }
    return network;
  }

  /** The node's address inside its namespace (also how the root namespace reaches it). */
  address(name: string): string {
    return `${this.#subnet}.${this.#index(name) + 1}`;
  }

  /** The root namespace's address on the bridge. */
  get hostAddress(): string {
    return `${this.#subnet}.254`;
  }

  namespace(name: string): string {
    return `${this.#tag}n${this.#index(name)}`;
  }

  /** Prepend to a command to run it inside the node's namespace. */
  commandPrefix(name: string): string[] {
    return ["ip", "netns", "exec", this.namespace(name)];
  }

  #index(name: string): number {
    const index = this.#names.indexOf(name);
    if (index === -1) throw new Error(`no node named ${name}`);
    return index;
  }

  get #bridge(): string {
    return `${this.#tag}b`;
  }

  async #build(): Promise<void> {
    await ip("link", "add", this.#bridge, "type", "bridge");
    await ip("addr", "add", `${this.hostAddress}/24`, "dev", this.#bridge);
    await ip("link", "set", this.#bridge, "up");
    for (const [index, name] of this.#names.entries()) {
      const namespace = this.namespace(name);
      const hostSide = `${this.#tag}h${index}`;
      const nodeSide = `${this.#tag}v${index}`;
      await ip("netns", "add", namespace);
      await ip("link", "add", hostSide, "type", "veth", "peer", "name", nodeSide);
      await ip("link", "set", hostSide, "master", this.#bridge);
      await ip("link", "set", hostSide, "up");
      await ip("link", "set", nodeSide, "netns", namespace);
      await ip("-n", namespace, "link", "set", "lo", "up");
      await ip("-n", namespace, "addr", "add", `${this.address(name)}/24`, "dev", nodeSide);
      await ip("-n", namespace, "link", "set", nodeSide, "up");
      await ip("-n", namespace, "rule", "add", "pref", String(localLookupPreference), "lookup", "local");
      await ip("-n", namespace, "rule", "del", "pref", "0");
    }
  }

  async cut(from: string, to: string): Promise<void> {
    const name = linkName({ from, to });
    if (this.#cut.has(name)) return;
    await ip(
      "-n",
      this.namespace(to),
      "rule",
      "add",
      "pref",
      this.#preference(from),
      "from",
      this.address(from),
      "blackhole",
    );
    this.#cut.add(name);
  }

  async heal(from: string, to: string): Promise<void> {
    const name = linkName({ from, to });
    if (!this.#cut.has(name)) return;
    await ip("-n", this.namespace(to), "rule", "del", "pref", this.#preference(from));
    this.#cut.delete(name);
  }

  #preference(from: string): string {
    return String(cutPreferenceBase + this.#index(from));
  }

  async healAll(): Promise<void> {
    for (const link of this.cutLinks()) await this.heal(link.from, link.to);
  }

  cutLinks(): readonly Link[] {
    return [...this.#cut].map((name) => {
      const [from = "", to = ""] = name.split("->");
      return { from, to };
    });
  }

  /** Deletes the namespaces and links. Processes still inside keep their namespace alive: stop them first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await removeTagged(this.#tag);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

let created = 0;
/** An upper-case letter after the base-36 pid, so several networks of one process get distinct names. */
function uniqueSuffix(): string {
  return String.fromCharCode(65 + (created++ % 26));
}

/** Namespaces and links of runs whose process is gone (their names carry the pid in base 36). */
async function removeLeftovers(): Promise<void> {
  const tags = new Set<string>();
  const names = [...(await ip("netns", "list")).matchAll(/^(cf[0-9a-z]+[A-Z])n\d+/gm)].map((match) => match[1]!);
  const links = [...(await ip("-o", "link")).matchAll(/^\d+: (cf[0-9a-z]+[A-Z])(?:b|h\d+)[@:]/gm)].map(
    (match) => match[1]!,
  );
  for (const tag of [...names, ...links]) tags.add(tag);
  for (const tag of tags) {
    const pid = Number.parseInt(tag.slice(2, -1), 36);
    if (!Number.isSafeInteger(pid) || isAlive(pid)) continue;
    await removeTagged(tag);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function removeTagged(tag: string): Promise<void> {
  for (const match of (await ip("netns", "list")).matchAll(/^(\S+)/gm)) {
    const namespace = match[1]!;
    if (namespace.startsWith(`${tag}n`)) await ip("netns", "del", namespace).catch(() => {});
  }
  for (const match of (await ip("-o", "link")).matchAll(/^\d+: ([^@:]+)[@:]/gm)) {
    const link = match[1]!;
    if (link === `${tag}b` || new RegExp(`^${tag}h\\d+$`).test(link)) await ip("link", "del", link).catch(() => {});
  }
}

/** A 10.213.x.0/24 no interface uses yet. */
async function freeSubnet(): Promise<string> {
  const used = await ip("-4", "-o", "addr");
  for (let offset = 0; offset < 256; offset++) {
    const subnet = `10.213.${(process.pid + offset) % 256}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
  throw new Error("no free 10.213.x.0/24 subnet");
}
