// The provider's column of the README's capability table (test/providers/registry.test.ts holds
// the table to it).
import { Capabilities } from '../plugin';

export const CAPABILITIES: Capabilities = [
  ['weighted split (canary, blue-green)', 'yes (backendRef weights)'],
  ['header exact / regex match', 'yes (`Exact` / `RegularExpression`¹)'],
  ['header prefix / presence', 'yes, as `RegularExpression`¹ (`<prefix>.*`, `.*`)'],
  ['cookie, client OS cohorts', 'yes, header regexes¹'],
  ['path exact', 'yes (`Exact`)'],
  ['path prefix', '`pathPrefix` as `PathPrefix`; a character prefix: `/` as `PathPrefix`, others as `RegularExpression`¹, whose precedence is implementation-specific, so only where no later rule can outrank them (see below)'],
  ['path regex', 'yes¹, same precedence caveat'],
  ['query parameter exact / regex', 'yes (`Exact` / `RegularExpression`¹)'],
  ['method', 'yes (not for gRPC)'],
  ['`withoutHeader` (negated match)', 'no'],
  ['`sourceLabel`', 'no'],
  ['JWT claims', 'no'],
  ['mirror', '`RequestMirror` filter, `percent` or `fraction`; gRPC: 100% only'],
  ['`untrustedHeaders` removal', '`RequestHeaderModifier` in a Gateway-only route'],
  ['`timeout`', '`timeouts.request` (not for gRPC: a GRPCRoute has no timeouts)'],
  ['`retries`', 'experimental channel only (`experimentalChannel: true`): `retry.attempts` and `retry.codes` from `retryOnStatusCodes` (400 to 599), `perTryTimeout` as `timeouts.backendRequest`; no other `retryOn` condition, no retries without codes, no `attempts: 0`; not for gRPC'],
  ['`headers` (set, add, remove)', '`RequestHeaderModifier` (merged with the `untrustedHeaders` removal) and `ResponseHeaderModifier`; literal values only (`%%` renders as `%`, no Envoy `%VARIABLE%`); one operation per header name'],
  ['`stickySessions`', 'cookie header `RegularExpression`¹ rules and a `ResponseHeaderModifier` on the backendRef (backendRef filters: implementation-specific support; Istio has them); not for gRPC'],
  ['`fault`', 'no (the Gateway API has no fault injection)'],
  ['per-rule `gateways` (`[\'mesh\']` cohorts)', 'mesh vs all Gateways (two routes); not a subset of the Gateways'],
  ['`previewHost`', 'HTTPRoute `<service>-preview`'],
  ['`trafficPolicy`', 'a DestinationRule per version Service (Istio only)'],
  ['gRPC', 'GRPCRoute (service/method and header matches)'],
  ['limits', '16 rules and 128 matches per route, 64 matches per rule, 16 hosts'],
  ['read by `explain`, `diff`, `check` (hand-written objects too)', 'HTTPRoute, GRPCRoute'],
  ['`check`: make before break', 'per-version Services and their pods'],
  ['`migrate --to gateway-api`', '(the target)'],
];
