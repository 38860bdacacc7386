// SharedHost with the Gateway API (internal): one HTTPRoute `<service>-<name>` per service,
// attached to the Gateways with the shared hostnames, its rules' matches ANDed with the
// service's paths (a prefix renders as PathPrefix, whose path-segment semantics are the
// SharedHost's); the Gateway's own precedence (exact, then longest prefix) merges the routes.
// @see https://gateway-api.sigs.k8s.io/reference/spec/#httproutematch
import { ApiObject } from 'cdk8s';
import { withIntersections } from './_intersections';
import { MAX_MATCHES_PER_ROUTE, MAX_MATCHES_PER_RULE, MAX_RULES } from './_limits';
import { HttpRoute } from './imports/httproute-gateway.networking.k8s.io';
import { renderHttpMatch, renderHttpRouteSpec } from './renderer';
import { fail } from '../../internal/validation';
import { RequestMatch, StringMatch, StringMatchType } from '../../model/request-match';
import { RouteRule } from '../../model/routing-model';
import { modelledObject } from '../_modelled-object';
import { ProviderContext, SharedHostContext, SharedHostPath, SharedHostRenderer } from '../_provider';

export class GatewayApiSharedHost implements SharedHostRenderer {
  private readonly routes = new Map<ProviderContext, ApiObject>();

  public constructor(private readonly host: SharedHostContext) {}

  public get objects(): ApiObject[] {
    return [...this.routes.values()];
  }

  public addPath(path: SharedHostPath): void {
    const host = this.host;
    const service = path.service;
    if (this.routes.has(service)) return;
    const target = { service: service.name, port: service.port, mesh: false, gateways: host.gateways, hostnames: host.hosts };
    const spec = () => {
      host.checkRules(service);
      // The service's rules with the intersections that keep their first-match order (its
      // checkRule accepted them); all of them at each path, so paths do not change their ranks.
      const own = withIntersections(host.reaching(service), { perRule: MAX_MATCHES_PER_RULE, perRoute: MAX_MATCHES_PER_ROUTE });
      const base = renderHttpRouteSpec(target, own.map(r => ({ ...r, gateways: undefined, matches: undefined })));
      const rules = own.map((r, i) => ({ ...base.rules![i], matches: this.matches(service, r) }));
      this.checkLimits(service, rules);
      return { ...base, rules };
    };
    const route = modelledObject(host.scope, `HTTPRoute-${service.name}`, HttpRoute.GVK, `${service.name}-${host.name}`, spec);
    route.addDependency(host.primaryOf(service));
    this.routes.set(service, route);
  }

  /** The HTTPRouteMatches of a service rule narrowed to its service's paths. */
  private matches(service: ProviderContext, rule: RouteRule): any[] {
    const alternatives: Array<RequestMatch | undefined> = (rule.matches ?? []).length > 0 ? [...rule.matches!] : [undefined];
    return this.host.pathsOf(service).flatMap(p => alternatives.map(m => ({ path: gatewayPath(p.match), ...(m ? renderHttpMatch(m) : {}) })));
  }

  /**
   * The Gateway API's limits on one HTTPRoute (its CRD rejects more): 16 rules, 64 matches per
   * rule, 128 in all (the CEL rule allows 128 although its message says "less than 128"). A service's paths multiply the matches of each of its rules.
   */
  private checkLimits(service: ProviderContext, rules: Array<{ matches: unknown[] }>): void {
    const who = this.host.who;
    const paths = this.host.pathsOf(service).length;
    const name = `${service.name}-${this.host.name}`;
    const p = 'the Gateway API provider';
    if (rules.length > MAX_RULES) {
      fail(who, `${p} cannot render HTTPRoute ${name} with ${rules.length} rules for ${service.who}: a route takes at most ${MAX_RULES}; remove routes of the service, or use TrafficProvider.istio()`);
    }
    rules.forEach((r, i) => {
      if (r.matches.length > MAX_MATCHES_PER_RULE) {
        fail(who, `${p} cannot render rule ${i} of HTTPRoute ${name} with ${r.matches.length} matches (${paths} paths times ${r.matches.length / paths} matches of ${service.who}): `
          + `a route rule takes at most ${MAX_MATCHES_PER_RULE}; give the service fewer paths or its routes fewer matches, or use TrafficProvider.istio()`);
      }
    });
    const total = rules.reduce((n, r) => n + r.matches.length, 0);
    if (total > MAX_MATCHES_PER_ROUTE) {
      fail(who, `${p} cannot render HTTPRoute ${name} with ${total} matches in all (${paths} paths times the matches of ${service.who}'s rules): a route takes at most ${MAX_MATCHES_PER_ROUTE}; `
        + 'give the service fewer paths or its routes fewer matches, or use TrafficProvider.istio()');
    }
  }
}

/** The Gateway API path of a SharedHost path. */
function gatewayPath(m: StringMatch): { type: string; value: string } {
  switch (m.type) {
    case StringMatchType.EXACT: return { type: 'Exact', value: m.value };
    case StringMatchType.PREFIX: return { type: 'PathPrefix', value: m.value };
    default: return { type: 'RegularExpression', value: m.value };
  }
}
