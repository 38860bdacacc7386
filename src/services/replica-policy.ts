/** Options of `ReplicaPolicy.matchTrafficWeight()`. */
export interface MatchTrafficWeightOptions {
  /**
   * Also scale the stable version to its share of the traffic (Argo Rollouts'
   * `dynamicStableScale`): its replicas (or autoscaler minimum) become `100 - weight` percent
   * of its own, rounded up, at least one. Saves pods during a long release; an abort then
   * needs the stable version to scale back up before it can take all the traffic again.
   * @default false
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/#dynamic-stable-scale-with-traffic-routing
   */
  readonly dynamicStableScale?: boolean;
}

/**
 * How many pods the canary runs at each stage of a release.
 *
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/#setcanaryscale
 */
export class ReplicaPolicy {
  /** The canary's own `replicas` (or `autoscaling`), whatever its weight. */
  public static fixed(): ReplicaPolicy {
    return new ReplicaPolicy(false, false);
  }

  /**
   * The canary's replicas (or its autoscaler's `minReplicas`) follow its weight: the weight's
   * share of the stable version's replicas (or `minReplicas`), rounded up, at least one; e.g.
   * 10 stable pods at weight 20 give 2 canary pods, at weight 50 give 5. Argo Rollouts'
   * `setCanaryScale: { matchTrafficWeight: true }`. The canary's own `replicas` must not be set.
   */
  public static matchTrafficWeight(options: MatchTrafficWeightOptions = {}): ReplicaPolicy {
    return new ReplicaPolicy(true, options.dynamicStableScale ?? false);
  }

  private constructor(
    /** @internal */ public readonly _matchWeight: boolean,
    /** @internal */ public readonly _dynamicStableScale: boolean) {
  }
}
