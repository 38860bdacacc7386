// The objects an analysis reads (internal: shared by the provider rule sets).

/** A Kubernetes object (as JSON) and where it comes from: a construct path or `<kind>/<name>`. */
export interface AnalyzedObject {
  readonly json: any;
  readonly source: string;
}
