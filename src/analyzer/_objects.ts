// The objects an analysis reads (internal: shared by the provider rule sets).

/** A Kubernetes object (as JSON) and where it comes from: a construct path or `<kind>/<name>`. */
export interface AnalyzedObject {
  readonly json: any;
  readonly source: string;
  /** Built by our constructs, which checked it: only the rules across objects apply to it. */
  readonly checked?: boolean;
}
