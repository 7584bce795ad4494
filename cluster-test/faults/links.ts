/**
 * Network faults between cluster nodes, as directed links: cutting A -> B
 * stops everything A sends to B (B's replies on A's connections and B's own
 * connections to A still flow unless B -> A is cut too). Two layers provide
 * this: network namespaces (netns.ts, real kernel drops) and a TCP proxy on
 * each node's cluster port (link-proxy.ts). Partitions are sets of links.
 */

export interface Link {
  readonly from: string;
  readonly to: string;
}

/** What the chaos runner needs from a network layer. */
export interface LinkFaults {
  readonly kind: "netns" | "proxy";
  /** Stop delivering traffic from `from` to `to` (one direction). Idempotent. */
  cut(from: string, to: string): Promise<void>;
  heal(from: string, to: string): Promise<void>;
  healAll(): Promise<void>;
  /** The links cut now. */
  cutLinks(): readonly Link[];
  close(): Promise<void>;
}

export function linkName(link: Link): string {
  return `${link.from}->${link.to}`;
}

/** Every directed link between nodes in different groups (a full partition into those groups). */
export function partitionLinks(groups: readonly (readonly string[])[]): Link[] {
  const links: Link[] = [];
  groups.forEach((group, groupIndex) => {
    groups.forEach((other, otherIndex) => {
      if (groupIndex === otherIndex) return;
      for (const from of group) for (const to of other) links.push({ from, to });
    });
  });
  return links;
}

/** `node` cut off from every other node, both ways. */
export function isolationLinks(node: string, nodes: readonly string[]): Link[] {
  return partitionLinks([[node], nodes.filter((other) => other !== node)]);
}

/**
 * A "bridge" (Jepsen's name): `a` and `b` cannot talk to each other, but both
 * still talk to every other node, so that node sees two majorities.
 */
export function bridgeLinks(a: string, b: string): Link[] {
  return [
    { from: a, to: b },
    { from: b, to: a },
  ];
}

export async function cutAll(network: LinkFaults, links: readonly Link[]): Promise<void> {
  for (const link of links) await network.cut(link.from, link.to);
}

export async function healLinks(network: LinkFaults, links: readonly Link[]): Promise<void> {
  for (const link of links) await network.heal(link.from, link.to);
}
