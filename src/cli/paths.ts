/** Vault strips leading slashes from paths the user types. */
export function sanitizePath(path: string): string {
  return path.trim().replace(/^\/+/, "");
}
