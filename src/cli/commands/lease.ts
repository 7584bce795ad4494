/** `coffer lease lookup | renew | revoke`. */
import { type Command, CommandError, exitOk, withErrorPrefix } from "../command.js";
import { isJsonObject, type JsonObject, writeSecret } from "../secret.js";
import { printSecret } from "./logical.js";

const lookupCommand: Command = {
  name: "lease lookup",
  synopsis: "Print a lease's properties",
  usage: "lease lookup [options] ID",
  help: `Prints when a lease was issued and expires, and whether it can be renewed.

      $ coffer lease lookup database/creds/readonly/2f6a614c-...`,
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const secret = await withErrorPrefix("Error looking up lease", () =>
      writeSecret(api, "sys/leases/lookup", { lease_id: context.args[0] }),
    );
    if (secret === null) throw new CommandError("Error looking up lease: no lease information returned", 2);
    if (context.ui.format === "table" && isJsonObject(secret.data)) {
      context.ui.keyValueTable(secret.data);
      return exitOk;
    }
    return printSecret(context, secret);
  },
};

const renewCommand: Command = {
  name: "lease renew",
  synopsis: "Renew a lease",
  usage: "lease renew [options] ID",
  help: `Extends a lease's TTL (within its max TTL).

      $ coffer lease renew -increment=1h database/creds/readonly/2f6a614c-...`,
  flags: [{ name: "increment", kind: "string", aliases: ["i"], usage: "Requested TTL extension." }],
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const body: JsonObject = { lease_id: context.args[0] };
    const increment = context.flags.string("increment");
    if (increment !== undefined) body["increment"] = increment;
    const secret = await withErrorPrefix("Error renewing lease", () => writeSecret(api, "sys/leases/renew", body));
    if (secret === null) throw new CommandError("Error renewing lease: no lease information returned", 2);
    return printSecret(context, secret);
  },
};

const revokeCommand: Command = {
  name: "lease revoke",
  synopsis: "Revoke a lease or every lease under a prefix",
  usage: "lease revoke [options] ID",
  help: `Revokes a lease (the backend's credential goes away), or with -prefix every
  lease whose ID starts with ID. -force deletes the leases even if the backend fails.

      $ coffer lease revoke database/creds/readonly/2f6a614c-...
      $ coffer lease revoke -prefix database/creds/`,
  flags: [
    { name: "prefix", kind: "bool", usage: "Revoke every lease under the ID as a prefix (sudo)." },
    {
      name: "force",
      kind: "bool",
      aliases: ["f"],
      usage: "Delete the leases even if revocation fails (needs -prefix).",
    },
    {
      name: "sync",
      kind: "bool",
      usage: "Wait for revocation (true) or queue it (false).",
      defaultText: "the server's (true)",
    },
  ],
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, flags, args, client }) {
    const api = await client();
    const id = args[0] as string;
    if (flags.bool("force") && !flags.bool("prefix"))
      throw new CommandError("Specifying -force requires also specifying -prefix");
    const body: JsonObject = flags.has("sync") ? { sync: flags.bool("sync") } : {};
    if (flags.bool("force")) {
      await withErrorPrefix(`Error force revoking leases with prefix ${id}`, () =>
        api.request("PUT", `sys/leases/revoke-force/${id}`),
      );
      ui.output(`Success! Force revoked any leases with prefix: ${id}`);
      return exitOk;
    }
    const [path, requestBody, label] = flags.bool("prefix")
      ? [`sys/leases/revoke-prefix/${id}`, body, `Error revoking leases with prefix ${id}`]
      : ["sys/leases/revoke", { ...body, lease_id: id }, `Error revoking lease ${id}`];
    const response = await withErrorPrefix(label, () => api.request("PUT", path, { json: requestBody }));
    if (response.status === 202) ui.output("All revocation operations queued successfully!");
    else if (flags.bool("prefix")) ui.output(`Success! Revoked any leases with prefix: ${id}`);
    else ui.output(`Success! Revoked lease: ${id}`);
    return exitOk;
  },
};

export const leaseCommands: readonly Command[] = [lookupCommand, renewCommand, revokeCommand];
