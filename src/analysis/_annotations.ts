// The annotations that carry an analysed release in the synth output (internal), in a module of
// their own: the command line reads them without loading cdk8s.

/** The routing object's annotation that carries the analysis (without the state). */
export const ANALYSIS_ANNOTATION = 'cdk8s-canary.io/analysis';
/** The routing object's annotation that carries the state the YAML was synthesized from. */
export const STATE_ANNOTATION = 'cdk8s-canary.io/analysis-state';
/** The version of the analysis annotation's format. */
export const ANALYSIS_FORMAT_VERSION = 2;
