/**
 * What Coffer reports as its version. Vault clients compare versions to pick
 * features, so we report the Vault API level we match, with Coffer's own
 * version as build metadata (a valid semver that go-version and node-semver parse).
 */
export const cofferVersion = "0.1.0";
export const vaultApiLevel = "1.15.0";
export const coreVersion = `${vaultApiLevel}+coffer.${cofferVersion}`;
export const buildDate = "2026-11-28T00:00:00Z";
