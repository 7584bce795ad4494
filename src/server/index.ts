/**
 * Placeholder until the composition root lands: the server layer's owner
 * replaces this file with the real `runServer` (config -> storage -> seal ->
 * core -> listeners). It exists so `coffer server` has somewhere to route.
 */
export async function runServer(_argv: readonly string[]): Promise<number> {
  process.stderr.write("server not built yet\n");
  return 1;
}
