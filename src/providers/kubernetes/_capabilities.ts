// The provider's column of the README's capability table (test/providers/registry.test.ts holds
// the table to it).
import { Capabilities } from '../plugin';

export const CAPABILITIES: Capabilities = [
  ['weighted split (canary, blue-green)', 'share of ready pods: exact replica ratios only (20% needs 4:1, 8:2, ...); 100% to one version: the Service selects it'],
  ['header exact / regex match', 'no'],
  ['header prefix / presence', 'no'],
  ['cookie, client OS cohorts', 'no'],
  ['path exact', 'no'],
  ['path prefix', 'no'],
  ['path regex', 'no'],
  ['query parameter exact / regex', 'no'],
  ['method', 'no'],
  ['`withoutHeader` (negated match)', 'no'],
  ['`sourceLabel`', 'no'],
  ['JWT claims', 'no'],
  ['mirror', 'no'],
  ['`untrustedHeaders` removal', 'no'],
  ['`timeout`', 'no'],
  ['`retries`', 'no'],
  ['`headers` (set, add, remove)', 'no'],
  ['`stickySessions`', 'no'],
  ['`fault`', 'no'],
  ['per-rule `gateways` (`[\'mesh\']` cohorts)', 'no (no `gateways`)'],
  ['`previewHost`', 'no'],
  ['`trafficPolicy`', 'no'],
  ['gRPC', 'yes (no L7)'],
  ['limits', 'two live versions; no `hosts`, no `gateways`; no timeouts, retries, header operations, faults'],
  ['read by `explain`, `diff`, `check` (hand-written objects too)', 'Services and Deployments (replica shares)'],
  ['`check`: make before break', 'capacity during the rollout'],
  ['`migrate --to gateway-api`', 'no'],
];
