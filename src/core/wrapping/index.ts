/** Response wrapping: single-use tokens whose cubbyhole holds a response. */
export { Cubbyholes } from "./cubbyholes.js";
export { deserializeResponse, serializeResponse } from "./stored-response.js";
export {
  invalidWrappingTokenMessage,
  isWrappingToken,
  ResponseWrapper,
  responseWrappingPolicy,
  type WrapperDeps,
  wrappingTokenPaths,
} from "./wrapper.js";
