// Its own module so that the command line (TransitionCheck) does not load cdk8s and
// cdk8s-plus-27 with the RoutingAnalyzer: a fifth of a `check`'s time (issue 15).

/** How serious a finding is (of `RoutingAnalyzer` and `TransitionCheck`). */
export enum Severity {
  /** Istio would reject the object, or requests would fail: synth stops, a check fails. */
  ERROR = 'error',
  /** Risky or probably a mistake, but nothing fails: reported, synth goes on. */
  WARNING = 'warning',
}
