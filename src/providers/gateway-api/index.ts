// The Gateway API plug-in: HTTPRoute and GRPCRoute (gateway.networking.k8s.io), for Istio ambient,
// GAMMA meshes and any Gateway API gateway.
import { CAPABILITIES } from './_capabilities';
import { GATEWAY_API, gatewayApiOf, readGatewayApiRoutes } from './_route-index';
import { gatewayApiTransitions } from './_transitions';
import { analyzeGatewayApi } from './rules';
import { hostKey } from '../../reading/hosts';
import { ObjectIndex } from '../../reading/object-index';
import { ProviderPlugin } from '../plugin';

// The renderer loads cdk8s: the commands that only read (check, diff, explain) never need it.
const renderers = () => require('./_provider') as typeof import('./_provider'); // eslint-disable-line @typescript-eslint/no-require-imports

const SERVICES = new WeakMap<ObjectIndex, Map<string, string>>();

/** The backendRefs' Services (`<namespace>/<name>`) by `<host key>|<version>`. */
function servicesOf(index: ObjectIndex): Map<string, string> {
  let services = SERVICES.get(index);
  if (!services) {
    services = new Map<string, string>();
    for (const route of gatewayApiOf(index).routes) for (const { backend } of route.backends) services.set(`${backend.hostKey}|${backend.version ?? ''}`, backend.serviceKey);
    SERVICES.set(index, services);
  }
  return services;
}

export const GATEWAY_API_PLUGIN: ProviderPlugin = {
  name: GATEWAY_API,
  displayName: 'the Gateway API provider',
  renderer: options => new (renderers().GatewayApiProvider)(options),
  read: (objects, index) => readGatewayApiRoutes(objects, index).routings,
  validation: { schemaKinds: ['gateway.networking.k8s.io/HTTPRoute', 'gateway.networking.k8s.io/GRPCRoute', 'gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/ReferenceGrant'] },
  analyzer: { kinds: ['HTTPRoute', 'GRPCRoute', 'Gateway'], analyze: analyzeGatewayApi },
  transitions: { check: gatewayApiTransitions },
  backendService: (index, routing, d) => {
    // `<name>.<namespace>`: a Service of another namespace than the routing's (the routes of a hostname may be in several).
    const target = d.host === undefined ? routing.hostKey : d.host.split('.').length === 2 ? `${d.host}.svc.cluster.local` : hostKey(d.host, routing.namespace);
    const key = `${target}|${d.version ?? ''}`;
    return servicesOf(index).get(key) ?? key;
  },
  capabilities: CAPABILITIES,
};
