// What an analysis reports (public: RoutingAnalyzer and TransitionCheck return these).

/** How serious a finding is (of `RoutingAnalyzer` and `TransitionCheck`). */
export enum Severity {
  /** Istio would reject the object, or requests would fail: synth stops, a check fails. */
  ERROR = 'error',
  /** Risky or probably a mistake, but nothing fails: reported, synth goes on. */
  WARNING = 'warning',
}

/** One problem found in the routing objects. */
export interface Finding {
  /** How serious it is. */
  readonly severity: Severity;
  /** The rule's identifier, e.g. `subset-not-found`. */
  readonly rule: string;
  /** The object: construct path, or `<kind>/<name>` for plain manifests. */
  readonly source: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}
