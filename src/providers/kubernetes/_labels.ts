// The label plain Kubernetes routing reads a version from (internal), apart from the renderer so
// that reading loads no renderer (and no cdk8s).
/** The pod label that names a version. */
export const VERSION_LABEL = 'version';
