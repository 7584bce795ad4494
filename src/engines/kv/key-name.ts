import { invalidRequest } from "../../lib/index.js";

/**
 * A key names a secret, never a folder: "" and a trailing "/" are refused.
 * (Vault stores "foo/" as a key, which then lists as an empty name inside the
 * folder "foo/"; Coffer refuses it.)
 */
export function checkKeyName(key: string): void {
  if (key === "") throw invalidRequest("missing path");
  if (key.endsWith("/")) throw invalidRequest(`invalid path "${key}": a secret's path cannot end in "/"`);
}
