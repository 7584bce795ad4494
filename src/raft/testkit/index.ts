/**
 * Test support for the Raft core: text formats, a hand-driven cluster with a
 * script language (golden interaction tests), and unit-test fixtures. Used
 * by tests and the simulator only.
 */
export { InteractionCluster } from "./cluster.js";
export { formatEntries, formatEntry, formatMessage, formatReady } from "./format.js";
export { parseScript, renderScript, runScript, ScriptRunner } from "./script.js";
