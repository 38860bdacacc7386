// Names the model reserves (internal), in a module of their own so that every model file can use them.

/** The reserved gateway name for in-mesh (sidecar) traffic. */
export const MESH_GATEWAY = 'mesh';

/** The prefix Istio uses for JWT-claim matches on a header. */
export const JWT_CLAIM_HEADER_PREFIX = '@request.auth.claims.';
