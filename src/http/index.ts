export type { ForwardedRequest, ForwardedResponse, Forwarder } from "./forwarder.js";
export {
  createForwardedHandler,
  createHttpHandler,
  type HttpHandler,
  type HttpHandlerOptions,
  NotActiveError,
} from "./handler.js";
export { HttpListener, type ListenerOptions, type ListenerTlsOptions, splitHostPort } from "./listener.js";
export { BufferSink, type CapturedResponse, type ResponseSink } from "./sink.js";
