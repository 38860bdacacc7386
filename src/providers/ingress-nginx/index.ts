// The ingress-nginx plug-in: canary Ingresses (networking.k8s.io/v1) with ingress-nginx's annotations.
import { nginxAnnotationIssues } from './_annotations';
import { CAPABILITIES } from './_capabilities';
import { nginxRoutingsWithReplicas } from './_capacity';
import { migrateToGatewayApi } from './_migration';
import { ingressesOf, INGRESS_NGINX, nginxMirrorOf, readIngresses } from './_reader';
import { ingressNginxTransitions, nginxVersionRunning } from './_transitions';
import { ObjectIndex, RoutingInfo } from '../../reading/object-index';
import { GATEWAY_API } from '../gateway-api/_route-index';
import { ProviderPlugin } from '../plugin';

// The renderer loads cdk8s: the commands that only read (check, diff, explain) never need it.
const renderers = () => require('./_provider') as typeof import('./_provider'); // eslint-disable-line @typescript-eslint/no-require-imports

const SERVICES = new WeakMap<RoutingInfo, Map<string, string>>();

/** The backend Service (`<namespace>/<name>`) of each version of an Ingress routing: main, canary, mirror. */
function servicesOf(index: ObjectIndex, routing: RoutingInfo): Map<string, string> {
  let services = SERVICES.get(routing);
  if (!services) {
    services = new Map<string, string>();
    for (const g of ingressesOf(index).get(routing)?.groups ?? []) {
      services.set(g.versions.main, `${g.main.namespace}/${g.main.service}`);
      if (g.canary && g.versions.canary) services.set(g.versions.canary, `${g.canary.path.namespace}/${g.canary.path.service}`);
      const mirror = nginxMirrorOf(g.main.ingress);
      if (mirror && g.versions.mirror) services.set(g.versions.mirror, `${mirror.namespace}/${mirror.name}`);
    }
    SERVICES.set(routing, services);
  }
  return services;
}

export const INGRESS_NGINX_PLUGIN: ProviderPlugin = {
  name: INGRESS_NGINX,
  displayName: 'the ingress-nginx provider',
  renderer: options => new (renderers().IngressNginxProvider)(options),
  read: readIngresses,
  validation: { schemaKinds: ['networking.k8s.io/Ingress'], check: nginxAnnotationIssues },
  transitions: {
    check: ingressNginxTransitions,
    versionRunning: (index, routing, version) => {
      const read = ingressesOf(index).get(routing);
      return read !== undefined && nginxVersionRunning(index, read, version);
    },
  },
  backendService: (index, routing, d) => servicesOf(index, routing).get(d.version ?? '') ?? `${d.host ?? '?'}`,
  withReplicas: (index, routing) => nginxRoutingsWithReplicas(index).get(routing) ?? routing.routing,
  migrations: [{ to: GATEWAY_API, migrate: migrateToGatewayApi }],
  capabilities: CAPABILITIES,
};
