/**
 * Path patterns and Vault's precedence between them (acl.go
 * CheckAllowedFromNonExactPaths).
 *
 * A pattern is one of three kinds:
 * - exact: `secret/foo`, matches that path only;
 * - prefix: `secret/*` (no `+` segments), stored without the `*`, matches
 *   every path starting with `secret/`;
 * - segment: has a `+` segment (`secret/+/config`, `+/foo`, `secret/+/*`);
 *   `+` matches exactly one segment, and a trailing `*` makes the last segment
 *   a prefix match and allows more segments after it.
 * A `*` anywhere but at the end is an ordinary character.
 */

export type PatternKind = "exact" | "prefix" | "segment";

export interface ClassifiedPattern {
  readonly kind: PatternKind;
  /** Exact path, prefix (without `*`), or the whole segment pattern (with its `*`). */
  readonly key: string;
}

/** Vault's HasSegmentWildcards test (note `foo/+bar` counts, though `+bar` then matches only itself). */
export function hasSegmentWildcards(pattern: string): boolean {
  return pattern === "+" || pattern.includes("/+") || pattern.startsWith("+/");
}

/** Undefined for a pattern that can never be used (`+*`). */
export function classifyPattern(pattern: string): ClassifiedPattern | undefined {
  if (pattern.includes("+*")) return undefined;
  if (hasSegmentWildcards(pattern)) return { kind: "segment", key: pattern };
  if (pattern.endsWith("*")) return { kind: "prefix", key: pattern.slice(0, -1) };
  return { kind: "exact", key: pattern };
}

/** A rule that matched without being exact, with what precedence compares. */
export interface Candidate<T> {
  readonly kind: "prefix" | "segment";
  /** Index of the first `+` (segment patterns) or the prefix length (prefix patterns). */
  readonly firstWildcardIndex: number;
  readonly isPrefix: boolean;
  readonly wildcardCount: number;
  /** The pattern without a trailing `*`. */
  readonly comparedPath: string;
  readonly pattern: string;
  readonly value: T;
}

/**
 * Negative when `a` has lower priority than `b`. In order: an earlier first
 * wildcard loses; a prefix (`*`) loses to a non-prefix; more `+` segments
 * lose; a shorter pattern loses; then the lexicographically smaller loses.
 */
export function compareCandidates<T>(a: Candidate<T>, b: Candidate<T>): number {
  if (a.firstWildcardIndex !== b.firstWildcardIndex) return a.firstWildcardIndex - b.firstWildcardIndex;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcardCount !== b.wildcardCount) return b.wildcardCount - a.wildcardCount;
  if (a.comparedPath.length !== b.comparedPath.length) return a.comparedPath.length - b.comparedPath.length;
  if (a.comparedPath === b.comparedPath) return 0;
  return a.comparedPath < b.comparedPath ? -1 : 1;
}

export class SegmentPattern<T> {
  readonly isPrefix: boolean;
  readonly segments: readonly string[];
  readonly candidateShape: Omit<Candidate<T>, "value">;

  constructor(
    readonly pattern: string,
    readonly value: T,
  ) {
    this.isPrefix = pattern.endsWith("*");
    const comparedPath = this.isPrefix ? pattern.slice(0, -1) : pattern;
    this.segments = comparedPath.split("/");
    this.candidateShape = {
      kind: "segment",
      firstWildcardIndex: pattern.indexOf("+"),
      isPrefix: this.isPrefix,
      wildcardCount: this.segments.filter((segment) => segment === "+").length,
      comparedPath,
      pattern,
    };
  }

  matches(pathSegments: readonly string[]): boolean {
    const count = this.segments.length;
    if (pathSegments.length < count) return false;
    if (!this.isPrefix && pathSegments.length !== count) return false;
    return this.segments.every((segment, index) => {
      const actual = pathSegments[index] as string;
      if (segment === "+" || segment === actual) return true;
      return this.isPrefix && index === count - 1 && actual.startsWith(segment);
    });
  }
}

/** Prefix rules, looked up longest first by the distinct prefix lengths present. */
export class PrefixTable<T> {
  private readonly byPrefix: ReadonlyMap<string, T>;
  private readonly lengthsDescending: readonly number[];

  constructor(entries: ReadonlyMap<string, T>) {
    this.byPrefix = entries;
    this.lengthsDescending = [...new Set([...entries.keys()].map((prefix) => prefix.length))].sort((a, b) => b - a);
  }

  get size(): number {
    return this.byPrefix.size;
  }

  entries(): IterableIterator<[string, T]> {
    return this.byPrefix.entries();
  }

  longestPrefixOf(path: string): { prefix: string; value: T } | undefined {
    for (const length of this.lengthsDescending) {
      if (length > path.length) continue;
      const prefix = path.slice(0, length);
      const value = this.byPrefix.get(prefix);
      if (value !== undefined) return { prefix, value };
    }
    return undefined;
  }
}

/** The highest-priority candidate among the longest prefix match and every matching segment pattern. */
export function bestNonExactMatch<T>(
  path: string,
  prefixes: PrefixTable<T>,
  segmentPatterns: readonly SegmentPattern<T>[],
): Candidate<T> | undefined {
  let best: Candidate<T> | undefined;
  const prefixMatch = prefixes.longestPrefixOf(path);
  if (prefixMatch !== undefined) {
    best = {
      kind: "prefix",
      firstWildcardIndex: prefixMatch.prefix.length,
      isPrefix: true,
      wildcardCount: 0,
      comparedPath: prefixMatch.prefix,
      pattern: `${prefixMatch.prefix}*`,
      value: prefixMatch.value,
    };
  }
  if (segmentPatterns.length === 0) return best;
  const pathSegments = path.split("/");
  for (const segmentPattern of segmentPatterns) {
    if (!segmentPattern.matches(pathSegments)) continue;
    const candidate = { ...segmentPattern.candidateShape, value: segmentPattern.value };
    if (best === undefined || compareCandidates(best, candidate) < 0) best = candidate;
  }
  return best;
}
