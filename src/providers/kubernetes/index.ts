// The plain Kubernetes plug-in: no routing objects; a Service's traffic is shared by its ready pods.
import { CAPABILITIES } from './_capabilities';
import { KUBERNETES, readPlainServices } from './_reader';
import { kubernetesTransitions } from './_transitions';
import { ProviderPlugin } from '../plugin';

// The renderer loads cdk8s: the commands that only read (check, diff, explain) never need it.
const renderers = () => require('./_provider') as typeof import('./_provider'); // eslint-disable-line @typescript-eslint/no-require-imports

export const KUBERNETES_PLUGIN: ProviderPlugin = {
  name: KUBERNETES,
  displayName: 'the Kubernetes provider',
  renderer: () => new (renderers().KubernetesProvider)(),
  // Reads the Services no other reader routes or configures, so it reads last.
  read: readPlainServices,
  fallback: true,
  // The workloads and Services every provider routes to.
  validation: { schemaKinds: ['Service', 'apps/Deployment', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget'] },
  transitions: { check: (before, after) => kubernetesTransitions(before, after) },
  capabilities: CAPABILITIES,
};
