/**
 * Environment overrides. Coffer reads Vault's variable names so existing
 * deployments work unchanged, and a COFFER_* twin of each; when both are set
 * the COFFER_* one wins (the same rule OpenBao applies to BAO_* names), so a
 * Coffer-specific setting is never shadowed by a leftover Vault variable.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** The first variable in `names` that is set and not empty. */
export function firstEnv(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

/** `VAULT_X` -> [`COFFER_X`, `VAULT_X`]; other names are returned as they are. */
export function withCofferTwins(names: readonly string[]): string[] {
  return names.flatMap((name) => (name.startsWith("VAULT_") ? [`COFFER_${name.slice(6)}`, name] : [name]));
}

/** Reads a Vault-named variable, preferring its COFFER_* twin. */
export function vaultEnv(env: Env, ...names: string[]): string | undefined {
  return firstEnv(env, withCofferTwins(names));
}

/** Go's strconv.ParseBool truth values, for boolean environment variables. */
export function envFlag(value: string): boolean {
  return ["1", "t", "true"].includes(value.trim().toLowerCase());
}
