export { AssertionError, assert, unreachable } from "./assert.js";
export { type Clock, ManualClock, systemClock } from "./clock.js";
export { formatDuration, parseDurationMs, parseDurationSeconds } from "./duration.js";
export {
  CofferError,
  type CofferErrorOptions,
  type ErrorCode,
  errorStatusByCode,
  httpStatusOf,
  internalError,
  invalidRequest,
  isCofferError,
  notFound,
  permissionDenied,
  sealedError,
  sealedMessage,
} from "./errors.js";
export { newAccessor, newUuid, randomBase62 } from "./ids.js";
export { KeyedMutex } from "./keyed-mutex.js";
export { limits } from "./limits.js";
export { Mutex } from "./mutex.js";
export { currentRequestScope, type RequestScope, runInRequestScope } from "./request-scope.js";
export { formatRfc3339, parseRfc3339 } from "./time.js";
