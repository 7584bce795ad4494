export { AssertionError, assert, unreachable } from "./assert.js";
