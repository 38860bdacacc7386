import * as kplus from 'cdk8s-plus-27';

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) for one version's Deployment. The Deployment
 * is rendered without `replicas`, so a GitOps sync does not fight the autoscaler, and the
 * version's capacity (for `ReplicaPolicy.matchTrafficWeight()` and `check`) is `minReplicas`.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export interface AutoscalingOptions {
  /**
   * The fewest pods, from 1 to `maxReplicas`.
   * @default 1
   */
  readonly minReplicas?: number;

  /** The most pods, from 1 to 1,000,000. */
  readonly maxReplicas: number;

  /**
   * Target average CPU utilization of the pods, in percent of their CPU requests (1 to 1000).
   * @default - none; with no metric at all, Kubernetes' default: 80% CPU
   */
  readonly cpuUtilization?: number;

  /**
   * Target average memory utilization of the pods, in percent of their memory requests (1 to 1000).
   * @default - none
   */
  readonly memoryUtilization?: number;

  /**
   * Further metrics, each an autoscaling/v2 `MetricSpec` object (type `Pods`, `Object`,
   * `External` or `ContainerResource`), rendered as given after the CPU and memory ones.
   * @default - none
   * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/#HorizontalPodAutoscalerSpec
   */
  readonly metrics?: any[];

  /**
   * The autoscaler's `behavior` (scale-up and scale-down policies), an autoscaling/v2
   * `HorizontalPodAutoscalerBehavior` object rendered as given.
   * @default - Kubernetes' default behavior
   */
  readonly behavior?: any;
}

/**
 * A PodDisruptionBudget (policy/v1) for one version's pods: how many may be evicted at once
 * by voluntary disruptions (node drains, cluster upgrades). Set one of the two fields.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export interface PodDisruptionBudgetOptions {
  /**
   * Pods that must stay available, a number or a percentage of the version's pods.
   * @default - not set: `maxUnavailable` applies
   */
  readonly minAvailable?: kplus.PercentOrAbsolute;

  /**
   * Pods that may be unavailable at once, a number or a percentage of the version's pods.
   * @default - 1 when `minAvailable` is not set
   */
  readonly maxUnavailable?: kplus.PercentOrAbsolute;
}
