// The dependency rule of DESIGN.md, checked on every `npm test`. Arrows point
// down only: each layer lists what it may import besides itself and node
// built-ins. Tests (*.test.ts) are composition roots of their own and exempt,
// but production code may never import a test or the simulator.
const allowed = {
  lib: [],
  gen: [],
  raft: ["lib"],
  physical: ["lib"],
  logical: ["lib"],
  metrics: ["lib"],
  config: ["lib"],
  barrier: ["physical", "logical", "metrics", "lib"],
  framework: ["logical", "lib"],
  audit: ["logical", "lib"],
  seal: ["barrier", "lib"],
  cluster: ["raft", "physical", "gen", "metrics", "lib"],
  engines: ["framework", "logical", "lib"],
  auth: ["framework", "logical", "lib"],
  core: ["logical", "framework", "barrier", "seal", "audit", "metrics", "lib", "physical"],
  http: ["core", "logical", "metrics", "lib"],
  cli: ["lib"],
  sim: ["raft", "cluster", "physical", "lib"],
};

const testFile = "\\.test\\.ts$";
/** Test-only support modules: harnesses, in-memory fakes, the conformance suite. */
const testSupport = "/(testing|test-helpers|conformance|cluster-harness|testkit)\\.ts$";

const layerRules = Object.entries(allowed).map(([layer, may]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only: ${may.length ? may.join(", ") : "nothing of ours"}`,
  severity: "error",
  from: { path: `^src/${layer}/`, pathNot: testFile },
  to: { path: "^src/", pathNot: `^src/(${[layer, ...may].join("|")})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "engines-independent",
      comment: "an engine or auth method never imports another one",
      severity: "error",
      from: { path: "^src/(engines|auth)/([^/]+)/", pathNot: testFile },
      to: { path: "^src/(engines|auth)/", pathNot: "^src/$1/$2/" },
    },
    {
      name: "core-physical-types-only",
      comment: "core sees physical only as types (the Backend interface)",
      severity: "error",
      from: { path: "^src/core/", pathNot: testFile },
      to: { path: "^src/physical/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-test-code-in-production",
      severity: "error",
      from: { path: "^src/", pathNot: `${testFile}|${testSupport}|^src/sim/` },
      to: { path: `${testFile}|${testSupport}|^src/sim/` },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
