export type { ForwardedRequest, ForwardedResponse, Forwarder } from "./forwarder.js";
export { createHttpHandler, type HttpHandler, type HttpHandlerOptions } from "./handler.js";
export { HttpListener, type ListenerOptions, type ListenerTlsOptions, splitHostPort } from "./listener.js";
