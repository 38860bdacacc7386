// The provider's column of the README's capability table (test/providers/registry.test.ts holds
// the table to it).
import { Capabilities } from '../plugin';

export const CAPABILITIES: Capabilities = [
  ['weighted split (canary, blue-green)', 'yes'],
  ['header exact / regex match', 'yes'],
  ['header prefix / presence', 'yes'],
  ['cookie, client OS cohorts', 'yes'],
  ['path exact', 'yes'],
  ['path prefix', 'yes (`pathPrefix`: exact `<path>` or prefix `<path>/`)'],
  ['path regex', 'yes'],
  ['query parameter exact / regex', 'yes'],
  ['method', 'yes'],
  ['`withoutHeader` (negated match)', 'yes'],
  ['`sourceLabel`', 'yes'],
  ['JWT claims', 'yes (gateway-bound)'],
  ['mirror', 'yes'],
  ['`untrustedHeaders` removal', 'yes'],
  ['`timeout`', 'yes'],
  ['`retries`', 'yes'],
  ['`headers` (set, add, remove)', 'yes'],
  ['`stickySessions`', 'cookie rules and `headers.response.add` per destination'],
  ['`fault`', 'yes'],
  ['per-rule `gateways` (`[\'mesh\']` cohorts)', 'yes'],
  ['`previewHost`', 'VirtualService `<service>-preview`'],
  ['`trafficPolicy`', 'DestinationRule'],
  ['gRPC', 'VirtualService'],
  ['limits', 'none of ours'],
  ['read by `explain`, `diff`, `check` (hand-written objects too)', 'VirtualService, DestinationRule'],
  ['`check`: make before break', 'subsets and Deployments'],
  ['`migrate --to gateway-api`', 'no'],
];
