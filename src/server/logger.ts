/** The one logger: pino, JSON lines on stderr (stdout is for what an operator reads: the dev banner). */
import { pino } from "pino";
import type { Logger } from "../logical/index.js";

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "coffer" }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}
