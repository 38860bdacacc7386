/** The application protocol of the service port; it sets the Istio port name. */
export enum ServiceProtocol {
  /** HTTP/1.1 (port name `http`). */
  HTTP = 'http',
  /** HTTP/2 (port name `http2`). */
  HTTP2 = 'http2',
  /** gRPC (port name `grpc`). */
  GRPC = 'grpc',
}
