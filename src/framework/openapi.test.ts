import t from "tap";
import { FrameworkBackend } from "./backend.js";
import { asOpenApiDocument, mergeOpenApiDocuments } from "./openapi.js";
import { expandPattern } from "./openapi-paths.js";
import { definePath } from "./path.js";
import { genericNameRegex, matchAllNoTrailingSlashRegex, matchAllRegex, optionalParameter } from "./patterns.js";

t.test(
  "patterns expand into OpenAPI templates: params, optional groups, alternations, wildcards dropped",
  async (t) => {
    const cases: Array<[string, string[]]> = [
      [`roles/${genericNameRegex("name")}`, ["roles/{name}"]],
      ["roles/?$", ["roles"]],
      ["config$", ["config"]],
      [`data/${matchAllNoTrailingSlashRegex("path")}`, ["data/{path}"]],
      [matchAllRegex("path"), ["{path}"]],
      [`creds${optionalParameter("name")}`, ["creds", "creds/{name}"]],
      ["(leases/)?renew", ["renew", "leases/renew"]],
      ["(raw/?$|raw/(?P<path>.+))", ["raw", "raw/{path}"]],
      [`keys/(?<name>[^/]+)/(encrypt|decrypt)`, ["keys/{name}/encrypt", "keys/{name}/decrypt"]],
      ["login/(?<role>\\w+)(?:/(?<step>\\w+))?", ["login/{role}", "login/{role}/{step}"]],
      ["key-status\\.json", ["key-status.json"]],
      [".*", [""]],
    ];
    for (const [pattern, templates] of cases) t.same(expandPattern(pattern), templates, pattern);
  },
);

function sampleBackend(): FrameworkBackend {
  return new FrameworkBackend({
    type: "sample",
    help: "Sample.",
    specialPaths: { root: ["config/*"], unauthenticated: ["login"] },
    paths: [
      definePath({
        pattern: `roles/${genericNameRegex("name")}`,
        fields: {
          name: { type: "string", description: "Role name." },
          ttl: { type: "duration", description: "TTL.", default: "1h" },
          mode: { type: "string", description: "Mode.", allowedValues: ["a", "b"], required: true },
          version: { type: "int", description: "Version to read.", query: true },
          secret: { type: "string", description: "A secret.", display: { sensitive: true } },
        },
        existenceCheck: async () => false,
        operations: {
          read: { handler: async () => undefined, summary: "Read a role." },
          list: async () => undefined,
          update: {
            handler: async () => undefined,
            responses: {
              200: { description: "OK", fields: { version: { type: "int", description: "New version." } } },
            },
          },
          patch: async () => undefined,
          delete: async () => undefined,
        },
        helpSynopsis: "Manage roles.",
      }),
      definePath({
        pattern: "config/(?<section>a|b)",
        fields: { section: { type: "string", description: "Section." } },
        display: { operationPrefix: "sample-config", operationSuffix: "section" },
        operations: { update: { handler: async () => undefined, operationVerb: "configure" } },
        helpSynopsis: "Configure.",
      }),
      definePath({ pattern: "login", operations: { update: async () => undefined }, helpSynopsis: "Log in." }),
      definePath({
        pattern: ".*",
        operations: { read: { handler: async () => undefined, unpublished: true } },
        helpSynopsis: "",
      }),
    ],
  });
}

t.test("the backend document has Vault's shape: path params, operations, request schemas, x-vault flags", async (t) => {
  const document = sampleBackend().openApi();
  t.equal(document.openapi, "3.0.2");
  t.same(Object.keys(document.paths).sort(), ["/config/{section}", "/login", "/roles/{name}", "/roles/{name}/"]);
  const role = document.paths["/roles/{name}"];
  if (!role) throw new Error("missing /roles/{name}");
  t.same(role.parameters, [
    { name: "name", in: "path", schema: { type: "string" }, description: "Role name.", required: true },
  ]);
  t.equal(role.description, "Manage roles.");
  t.equal(role["x-vault-createSupported"], true);
  t.same(role.get?.parameters, [
    { name: "version", in: "query", schema: { type: "integer" }, description: "Version to read." },
  ]);
  t.equal(role.get?.summary, "Read a role.");
  t.same(role.get?.tags, ["secrets"]);
  t.equal(role.post?.operationId, "sample-write-roles");
  t.same(role.post?.requestBody, {
    required: true,
    content: { "application/json": { schema: { $ref: "#/components/schemas/SampleWriteRolesRequest" } } },
  });
  t.same(Object.keys(role.patch?.requestBody?.content ?? {}), ["application/merge-patch+json"]);
  t.same(role.delete?.responses, { "204": { description: "empty body" } });
  t.same(role.post?.responses["200"]?.content, {
    "application/json": { schema: { $ref: "#/components/schemas/SampleWriteRolesResponse" } },
  });
  const body = document.components.schemas["SampleWriteRolesRequest"];
  t.same(body?.required, ["mode"]);
  t.same(body?.properties?.["ttl"], { type: "string", format: "duration", description: "TTL.", default: "1h" });
  t.same(body?.properties?.["mode"]?.enum, ["a", "b"]);
  t.same(body?.properties?.["secret"]?.["x-vault-displayAttrs"], { sensitive: true });
  t.notOk(body?.properties?.["name"], "URL parameters are not body fields");
  const listing = document.paths["/roles/{name}/"];
  t.same(listing?.get?.parameters, [
    {
      name: "list",
      description: "Must be set to `true`",
      in: "query",
      schema: { type: "string", enum: ["true"] },
      required: true,
    },
  ]);
  t.equal(document.paths["/config/{section}"]?.["x-vault-sudo"], true);
  t.equal(document.paths["/config/{section}"]?.post?.operationId, "sample-config-configure-section");
  t.equal(document.paths["/login"]?.["x-vault-unauthenticated"], true);
  t.notOk(document.paths["/"], "unpublished catch-alls are left out");
  const ids = Object.values(document.paths).flatMap((item) =>
    [item.get, item.post, item.patch, item.delete].flatMap((operation) => (operation ? [operation.operationId] : [])),
  );
  t.equal(new Set(ids).size, ids.length, "operationIds are unique");
});

t.test("documents merge under their mount paths (sys/internal/specs/openapi)", async (t) => {
  const document = sampleBackend().openApi();
  const travelled = asOpenApiDocument(JSON.parse(JSON.stringify(document)));
  if (!travelled) throw new Error("document did not survive JSON");
  const merged = mergeOpenApiDocuments(
    [
      { mountPath: "secret/", document: travelled },
      { mountPath: "auth/sample/", document },
    ],
    "1.0.0",
  );
  t.ok(merged.paths["/secret/roles/{name}"]);
  t.ok(merged.paths["/auth/sample/login"]);
  t.equal(merged.info.version, "1.0.0");
  t.ok(merged.components.schemas["SampleWriteRolesRequest"]);
  const asData: Record<string, unknown> = merged;
  t.equal(asData["openapi"], "3.0.2", "a document is response data without a cast");
  t.equal(asOpenApiDocument("nope"), undefined);
  t.equal(asOpenApiDocument({ openapi: "3.0.2" }), undefined);
});
