// The plain Kubernetes plug-in: no routing objects; a Service's traffic is shared by its ready pods.
import { CAPABILITIES } from './_capabilities';
import { KubernetesProvider } from './_provider';
import { KUBERNETES, readPlainServices } from './_reader';
import { kubernetesTransitions } from './_transitions';
import { ProviderPlugin } from '../plugin';

export const KUBERNETES_PLUGIN: ProviderPlugin = {
  name: KUBERNETES,
  displayName: 'the Kubernetes provider',
  renderer: () => new KubernetesProvider(),
  // Reads the Services no other reader routes or configures, so it reads last.
  read: readPlainServices,
  fallback: true,
  // The workloads and Services every provider routes to.
  validation: { schemaKinds: ['Service', 'apps/Deployment', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget'] },
  transitions: { check: (before, after) => kubernetesTransitions(before, after) },
  capabilities: CAPABILITIES,
};
