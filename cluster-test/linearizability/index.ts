export { type CheckOptions, type CheckResult, checkHistory, type KeyVerdict } from "./check.js";
export { type FailureExplanation, formatOperation, type PossibleState } from "./explain.js";
export {
  type Call,
  type History,
  HistoryError,
  HistoryRecorder,
  type Operation,
  type Outcome,
  type PendingOperation,
  type Result,
  validateHistory,
} from "./history.js";
