/** The built-in `auth/token/` backend and login completion (tokens from auth methods). */
export { createTokenBackend } from "./backend.js";
export { type TokenBackendDeps, tokenMountPath } from "./deps.js";
export { completeLogin, type LoginDeps, loginDisplayName } from "./login.js";
export { lookupData } from "./lookup.js";
export { type TidyReport, tidyTokens } from "./tidy.js";
