// The provider's column of the README's capability table (test/providers/registry.test.ts holds
// the table to it).
import { Capabilities } from '../plugin';

export const CAPABILITIES: Capabilities = [
  ['weighted split (canary, blue-green)', '`canary-weight` on the canary Ingress; blue-green: weight 0 or 100'],
  ['header exact / regex match', 'one header cohort to the canary: `canary-by-header` + `-value` / `-pattern` (anchored)'],
  ['header prefix / presence', 'prefix as `-pattern` `^<prefix>`; presence no'],
  ['cookie, client OS cohorts', '`cookie(name, \'always\')` as `canary-by-cookie`; other cookie values, client OS and browser no'],
  ['path exact', 'no (the Ingress path only: `path`, `pathType` options)'],
  ['path prefix', 'no (the Ingress path only)'],
  ['path regex', 'no'],
  ['query parameter exact / regex', 'no'],
  ['method', 'no'],
  ['`withoutHeader` (negated match)', 'no'],
  ['`sourceLabel`', 'no'],
  ['JWT claims', 'no'],
  ['mirror', 'every request of the host to one version: `mirror-target` on the main Ingress'],
  ['`untrustedHeaders` removal', 'no'],
  ['`timeout`', 'no'],
  ['`retries`', 'no'],
  ['`headers` (set, add, remove)', 'no'],
  ['`stickySessions`', 'no (its affinity cookie pins pods, not versions; `canary-by-cookie` takes only `always` and `never`)'],
  ['`fault`', 'no'],
  ['per-rule `gateways` (`[\'mesh\']` cohorts)', 'no (no `gateways`)'],
  ['`previewHost`', 'no'],
  ['`trafficPolicy`', 'no'],
  ['gRPC', 'no'],
  ['limits', 'two versions per host and path; one header and one cookie cohort, both to the canary; exactly one entry in `hosts`'],
  ['read by `explain`, `diff`, `check` (hand-written objects too)', 'ingress-nginx\'s Ingresses (by IngressClass), with its precedence (paths, then header, cookie, weight) and annotation validation'],
  ['`check`: make before break', 'per-version Services and their pods'],
  ['`migrate --to gateway-api`', 'yes, proven by the traffic diff and the simulator'],
];
