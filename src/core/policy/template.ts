/**
 * Identity templates in policy paths (`secret/{{identity.entity.id}}/*`), as
 * Vault's ACL templating resolves them: a value that cannot be found (no
 * entity, a missing metadata key, an empty name) makes the path unusable, and
 * the ACL skips that rule rather than matching a half-filled path.
 */

export interface TemplateAlias {
  readonly mountAccessor: string;
  readonly id: string;
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface TemplateGroup {
  readonly id: string;
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The identity a token's ACL is built for; absent parts make templates that need them unresolvable. */
export interface TemplateIdentity {
  readonly entity?: {
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
    readonly aliases?: readonly TemplateAlias[];
  };
  readonly groups?: readonly TemplateGroup[];
}

export const unbalancedTemplateMessage = "unbalanced templating characters";

/**
 * True when `text` holds `{{...}}` templates. Throws (with Vault's message)
 * when the braces do not pair up; nothing else is checked at parse time.
 */
export function hasTemplates(text: string): boolean {
  const pieces = text.split("{{");
  if ((pieces[0] ?? "").includes("}}")) throw new Error(unbalancedTemplateMessage);
  for (const piece of pieces.slice(1)) {
    if (piece.split("}}").length !== 2) throw new Error(unbalancedTemplateMessage);
  }
  return pieces.length > 1;
}

/** Fills every template in `text`; undefined when any of them cannot be resolved. */
export function resolveTemplates(text: string, identity: TemplateIdentity): string | undefined {
  const pieces = text.split("{{");
  let result = pieces[0] ?? "";
  for (const piece of pieces.slice(1)) {
    const [expression = "", rest = ""] = piece.split("}}");
    const value = resolveExpression(expression.trim(), identity);
    if (value === undefined || value === "") return undefined;
    result += value + rest;
  }
  return result;
}

function resolveExpression(expression: string, identity: TemplateIdentity): string | undefined {
  if (expression.startsWith("identity.entity.")) {
    const entity = identity.entity;
    if (entity === undefined) return undefined;
    const selector = expression.slice("identity.entity.".length);
    if (selector.startsWith("aliases.")) return resolveAlias(selector.slice("aliases.".length), entity.aliases ?? []);
    return resolveRecord(selector, entity);
  }
  if (expression.startsWith("identity.groups.")) {
    return resolveGroup(expression.slice("identity.groups.".length), identity.groups ?? []);
  }
  return undefined;
}

/** `id`, `name` or `metadata.<key>` of an entity, alias or group. */
function resolveRecord(
  selector: string,
  record: { readonly id: string; readonly name: string; readonly metadata?: Readonly<Record<string, string>> },
): string | undefined {
  if (selector === "id") return record.id;
  if (selector === "name") return record.name;
  if (selector.startsWith("metadata.")) {
    const key = selector.slice("metadata.".length);
    return Object.hasOwn(record.metadata ?? {}, key) ? record.metadata?.[key] : undefined;
  }
  return undefined;
}

/** `<mount accessor>.(id|name|metadata.<key>)`. */
function resolveAlias(selector: string, aliases: readonly TemplateAlias[]): string | undefined {
  const dot = selector.indexOf(".");
  if (dot < 0) return undefined;
  const alias = aliases.find((candidate) => candidate.mountAccessor === selector.slice(0, dot));
  return alias === undefined ? undefined : resolveRecord(selector.slice(dot + 1), alias);
}

/** `ids.<group id>.(id|name|metadata.<key>)` or `names.<group name>.(...)`. */
function resolveGroup(selector: string, groups: readonly TemplateGroup[]): string | undefined {
  const [kind, ...rest] = selector.split(".");
  if (kind !== "ids" && kind !== "names") return undefined;
  const remainder = rest.join(".");
  const dot = remainder.indexOf(".");
  if (dot < 0) return undefined;
  const wanted = remainder.slice(0, dot);
  const group = groups.find((candidate) => (kind === "ids" ? candidate.id : candidate.name) === wanted);
  return group === undefined ? undefined : resolveRecord(remainder.slice(dot + 1), group);
}
