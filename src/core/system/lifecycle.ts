/** sys/rotate, sys/key-status, sys/seal, sys/step-down and sys/metrics. */
import { definePath, type Path } from "../../framework/index.js";
import { chooseMetricsFormat } from "../facade.js";
import type { SystemContext } from "./context.js";

export function lifecyclePaths(context: SystemContext): Path[] {
  const keyStatus = () => {
    const status = context.keyring.keyStatus();
    return { data: { term: status.term, install_time: status.installTime, encryptions: status.encryptions } };
  };

  return [
    definePath({
      pattern: "key-status",
      operations: { read: async () => keyStatus() },
      helpSynopsis: "Provides information about the backend encryption key.",
    }),
    definePath({
      pattern: "rotate",
      operations: {
        update: async () => {
          await context.keyring.rotate();
          return undefined;
        },
      },
      helpSynopsis: "Rotates the backend encryption key used to persist data.",
    }),
    definePath({
      pattern: "seal",
      operations: {
        update: async () => {
          await context.lifecycle.seal();
          return undefined;
        },
      },
      helpSynopsis: "Seals this node: it forgets its keys until unsealed again.",
    }),
    definePath({
      pattern: "step-down",
      operations: {
        update: async () => {
          await context.lifecycle.stepDown();
          return undefined;
        },
      },
      helpSynopsis: "Makes the active node give up being active, handing over to a standby.",
    }),
    definePath({
      pattern: "metrics",
      fields: { format: { type: "string", description: "`prometheus`, or empty for JSON.", query: true } },
      operations: {
        read: async (request, data) => {
          const output = await context.metrics(
            chooseMetricsFormat(data.get("format"), String(request.headers.accept ?? "")),
          );
          return { raw: { statusCode: 200, contentType: output.contentType, body: Buffer.from(output.body) } };
        },
      },
      helpSynopsis: "Export the metrics aggregated for telemetry purpose.",
    }),
  ];
}
