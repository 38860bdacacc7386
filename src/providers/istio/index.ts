// The Istio plug-in: VirtualService and DestinationRule (networking.istio.io).
import { CAPABILITIES } from './_capabilities';
import { ISTIO, readIstio } from './_reader';
import { istioTransitions } from './_transitions';
import { analyzeIstio } from './rules';
import { ProviderPlugin } from '../plugin';

// The renderer loads cdk8s: the commands that only read (check, diff, explain) never need it.
const renderers = () => require('./_provider') as typeof import('./_provider'); // eslint-disable-line @typescript-eslint/no-require-imports

const NETWORKING = /^networking\.istio\.io\//;

export const ISTIO_PLUGIN: ProviderPlugin = {
  name: ISTIO,
  displayName: 'the Istio provider',
  renderer: () => new (renderers().IstioProvider)(),
  read: readIstio,
  validation: { schemaKinds: ['networking.istio.io/VirtualService', 'networking.istio.io/DestinationRule'] },
  analyzer: {
    kinds: ['VirtualService', 'DestinationRule', 'Gateway', 'RequestAuthentication', 'ServiceEntry'],
    analyze: analyzeIstio,
    // Only hosts can clash between services whose objects our constructs checked.
    crossServiceView: json => (json?.kind === 'VirtualService'
      ? { ...json, spec: { hosts: json.spec.hosts, gateways: json.spec.gateways, exportTo: json.spec.exportTo } }
      : undefined),
    validates: json => NETWORKING.test(json?.apiVersion) && (json.kind === 'VirtualService' || json.kind === 'DestinationRule'),
  },
  transitions: { check: istioTransitions },
  capabilities: CAPABILITIES,
};
