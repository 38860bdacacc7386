import { Severity } from '../analyzer/finding';

/** What a finding is about. */
export enum FindingKind {
  /** A subset (or its DestinationRule) is removed while the previous routes still send it traffic or mirror to it. */
  SUBSET_REMOVED_WHILE_ROUTED = 'subset-removed-while-routed',
  /** Traffic goes to a version whose Deployment or subset is new in the same commit, with no sync waves ordering them first. */
  ROUTED_TO_NEW_VERSION = 'routed-to-new-version',
  /** A destination of a default route changes by more than the allowed step at once. */
  WEIGHT_JUMP = 'weight-jump',
  /** Traffic goes to a version that runs no pods: 0 replicas, or its Deployment is removed. */
  ROUTED_TO_NO_REPLICAS = 'routed-to-no-replicas',
  /** Traffic goes to a subset that no DestinationRule defines. */
  ROUTED_TO_MISSING_SUBSET = 'routed-to-missing-subset',
  /** Gateway API or ingress-nginx: a backendRef or Ingress backend names a Service that is not in the output (Gateway API: HTTP 500; ingress-nginx: 503). */
  ROUTED_TO_MISSING_SERVICE = 'routed-to-missing-service',
  /** Gateway API or ingress-nginx: a backend Service is deleted while the previous routes or Ingresses (or the new ones) still send it traffic. */
  SERVICE_REMOVED_WHILE_ROUTED = 'service-removed-while-routed',
  /** A host's routing moves between a VirtualService and a Gateway API route in one commit, or both route it. */
  PROVIDER_SWITCH = 'provider-switch',
  /** Plain Kubernetes Service: fewer ready pods serve its traffic during the rollout than before and after it. */
  CAPACITY_DROP = 'capacity-drop',
  /** ingress-nginx: a Service selects the pods of several versions the Ingresses route, so its in-cluster callers get them by pod count, not as the release says. */
  SERVICE_SPREADS_VERSIONS = 'service-spreads-versions',
  /** An analysed release's state goes backwards without an abort (promoted -> progressing, a lower weight, an entry removed). */
  STATE_REGRESSION = 'state-regression',
  /** A version serves more traffic per ready pod than another version of the same rule, by more than `maxLoadRatio`. */
  CAPACITY_IMBALANCE = 'capacity-imbalance',
}

/** One unsafe step between two synth outputs. */
export interface TransitionFinding {
  /** How bad it is. */
  readonly severity: Severity;

  /** What it is about. */
  readonly kind: FindingKind;

  /** The host whose traffic is at risk. */
  readonly host: string;

  /**
   * The version concerned.
   * @default - the finding is about a whole route
   */
  readonly version?: string;

  /** What goes wrong and why. */
  readonly message: string;

  /** How to fix the commit. */
  readonly fix: string;

  /** A safe sequence of commits that reaches the same end state. */
  readonly safeSequence: string[];
}
