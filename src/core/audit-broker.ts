/**
 * The pipeline's audit stages. Devices (file, socket, syslog) plug in here;
 * the broker fails closed: when devices exist and none records an entry, the
 * request is refused (before it runs) or its answer withheld (after).
 */
import { CofferError } from "../lib/index.js";
import type { Auth, Request, Response } from "../logical/index.js";

export interface AuditEntry {
  readonly type: "request" | "response";
  readonly request: Request;
  readonly auth?: Auth;
  readonly response?: Response;
  readonly error?: string;
}

export interface AuditDevice {
  readonly path: string;
  log(entry: AuditEntry): Promise<void>;
}

export class AuditBroker {
  #devices: AuditDevice[] = [];

  setDevices(devices: AuditDevice[]): void {
    this.#devices = devices;
  }

  get deviceCount(): number {
    return this.#devices.length;
  }

  async log(entry: AuditEntry): Promise<void> {
    if (this.#devices.length === 0) return;
    const results = await Promise.allSettled(this.#devices.map((device) => device.log(entry)));
    if (results.some((result) => result.status === "fulfilled")) return;
    throw new CofferError("internal", "internal error", {
      cause: new AggregateError(
        results.map((result) => (result as PromiseRejectedResult).reason),
        `no audit device recorded the ${entry.type}`,
      ),
    });
  }
}
