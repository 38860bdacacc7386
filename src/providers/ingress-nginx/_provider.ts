// The ingress-nginx provider (internal): one Service per version, the main Ingress to the
// stable version and, while a canary exists, a canary Ingress with ingress-nginx's canary
// annotations (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary).
//
// ingress-nginx decides per request, in this order: the header (`canary-by-header`; with
// `-value` an exact match goes to the canary, with `-pattern` a regex match does, without
// either `always` does and `never` does not), then the cookie (`canary-by-cookie`: `always`
// goes to the canary, `never` does not), then the weight. Our model is first-match: a cohort
// rule (to the canary) before the default split. Cohorts to the canary come before the split
// in both, so the model maps exactly when every matched rule sends all its traffic to the
// canary and is one header or one cookie condition.
import { ApiObject, Chart } from 'cdk8s';
import { OWNED } from '../../internal/owned';
import { escapeRegex } from '../../internal/regex';
import { fail, isHttpToken, show } from '../../internal/validation';
import { MESH_GATEWAY } from '../../model/_util';
import { MatchCondition, MatchField, RequestMatch, StringMatchType } from '../../model/request-match';
import { MirrorPolicy, RouteRule } from '../../model/routing-model';
import { ServiceProtocol } from '../../model/service-protocol';
import { TrafficPolicy } from '../../model/traffic-policy';
import { ProviderContext, ProviderImpl, ProviderMetrics, RenderedPreview, RenderedRouting, RulePosition } from '../_provider';
import { NGINX_BASIC_CHARS, NGINX_NAME, NGINX_PREFIX, NGINX_REGEX_CHARS } from './_annotation-values';
import { ingressNginxMetricSource } from './_metrics';

const ALTERNATIVE = 'use TrafficProvider.gatewayApi() or TrafficProvider.istio()';
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Options of the provider, validated by `TrafficProvider.ingressNginx()`. */
export interface IngressNginxOptions {
  readonly ingressClassName: string;
  readonly path: string;
  readonly pathType: string;
}

/** A cohort the canary Ingress expresses. */
export type NginxCohort =
  | { kind: 'header'; name: string; value: string }
  | { kind: 'header-pattern'; name: string; pattern: string }
  | { kind: 'cookie'; name: string };

/**
 * The cohort a matched rule's one condition is, for ingress-nginx; a string saying why
 * not when it is none.
 */
export function nginxCohort(c: MatchCondition): NginxCohort | string {
  if (c.field !== MatchField.HEADER) return 'only a header or a cookie selects the canary Ingress';
  const cookie = /^cookie (.+)=always$/.exec(c.description);
  if (cookie && c.name === 'cookie') {
    const same = RequestMatch.cookie(cookie[1], 'always').conditions[0].match;
    if (same.type === c.match.type && same.value === c.match.value) return { kind: 'cookie', name: cookie[1] };
  }
  if (c.description.startsWith('cookie ')) {
    return 'canary-by-cookie sends a request to the canary when the cookie\'s value is "always"; match RequestMatch.cookie(<name>, \'always\')';
  }
  if (!c.description.startsWith('header ')) return 'it is not a header value (canary-by-header matches a request header)';
  if (c.name === 'cookie') return 'the cookie header is matched by canary-by-cookie only';
  switch (c.match.type) {
    case StringMatchType.EXACT:
      return { kind: 'header', name: c.name!, value: c.match.value };
    case StringMatchType.PREFIX:
      return { kind: 'header-pattern', name: c.name!, pattern: `^${escapeRegex(c.match.value)}` };
    case StringMatchType.REGEX:
      // ingress-nginx searches the value for the pattern; our regexes match the whole value.
      return { kind: 'header-pattern', name: c.name!, pattern: `^(?:${c.match.value})$` };
    default:
      return 'canary-by-header matches a value, not the header\'s presence; match a value';
  }
}

/**
 * Renders, after the app's Deployments and Service: one Service `<service>-<version>` per
 * version, the Ingress `<service>` to the stable (first) version's Service and, when the
 * service runs a second version, the Ingress `<service>-canary` to it, with the canary
 * annotations.
 */
export class IngressNginxProvider implements ProviderImpl {
  public readonly displayName = 'the ingress-nginx provider';

  public constructor(private readonly options: IngressNginxOptions) {}


  public metrics(): ProviderMetrics {
    return { source: ingressNginxMetricSource(), described: 'TrafficProvider.ingressNginx()' };
  }

  public checkService(who: string, props: { trafficPolicy?: TrafficPolicy; gateways: string[]; hosts: string[]; protocol: ServiceProtocol }): void {
    const p = this.displayName;
    if (props.trafficPolicy) {
      fail(who, `${p} cannot apply a trafficPolicy: ingress-nginx balances with its own settings; remove trafficPolicy, or ${ALTERNATIVE}`);
    }
    const gateways = props.gateways.filter(g => g !== MESH_GATEWAY);
    if (gateways.length > 0) {
      fail(who, `${p} cannot bind the service to gateways (${gateways.join(', ')}): the Ingress is its entry point; remove gateways, or ${ALTERNATIVE}`);
    }
    if (props.hosts.length !== 1) {
      fail(who, `${p} needs exactly one host in hosts (the Ingress rule's host), got ${props.hosts.length === 0 ? 'none' : props.hosts.join(', ')}; `
        + `set hosts to the one public host name, or ${ALTERNATIVE}`);
    }
    const host = props.hosts[0];
    if (!HOSTNAME.test(host) || host.length > 253) {
      fail(who, `${p} cannot serve hosts[0] ${show(host)}: an Ingress host is a lower-case DNS name, optionally prefixed with '*.', and no IP address; use a DNS name`);
    }
    if (props.protocol === ServiceProtocol.GRPC) {
      fail(who, `${p} does not render gRPC backends yet; use ServiceProtocol.HTTP, or ${ALTERNATIVE}`);
    }
  }

  /**
   * ingress-nginx pins sessions to pods, not versions: `affinity: cookie` on the main Ingress
   * with `affinity-canary-behavior: sticky` keeps a session on the canary's pods, but the
   * cookie names an endpoint, not a version, and canary-by-cookie takes only `always` and `never`.
   */
  public checkStickySessions(ctx: ProviderContext): void {
    fail(ctx.who, `${this.displayName} cannot render stickySessions: its canary-by-cookie takes only the values always and never, so no cookie can name the version a session was sent to, and its affinity cookie (affinity: cookie, affinity-canary-behavior: sticky) pins pods, which the model cannot read back or check; remove stickySessions, or ${ALTERNATIVE}`);
  }

  public checkRule(ctx: ProviderContext, rule: RouteRule, what: string, who: string, position: RulePosition): void {
    const p = this.displayName;
    if (ctx.versions.length > 2) {
      fail(who, `${p} cannot route more than two versions on one host and path (${ctx.versions.join(', ')}): ingress-nginx takes one canary Ingress per host and path; `
        + `run a stable and a canary version only, or ${ALTERNATIVE}`);
    }
    checkMirror(ctx, rule, what, who, position);
    const settings = [['timeout', rule.timeout], ['retries', rule.retries], ['headers', rule.headers], ['fault injection', rule.fault], ['removeRequestHeaders', rule.removeRequestHeaders]]
      .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)).map(([name]) => name);
    if (settings.length > 0) {
      fail(who, `${p} does not render ${settings.join(', ')} on ${what}; remove ${settings.length > 1 ? 'them' : 'it'}, or ${ALTERNATIVE}`);
    }
    const matches = rule.matches ?? [];
    if (matches.length === 0) return; // The default split: canary-weight.
    const [stable, canary] = ctx.versions;
    const live = rule.destinations.filter(d => d.weight > 0);
    if (live.length > 1) {
      fail(who, `${p} cannot split a cohort between versions (${live.map(d => `${d.version}=${d.weight}`).join(', ')} in ${what}): `
        + `a request ingress-nginx selects by header or cookie goes to the canary Ingress entirely; send the cohort to ${show(canary)}, or ${ALTERNATIVE}`);
    }
    if (live[0]?.version !== canary || canary === undefined) {
      fail(who, `${p} cannot send a cohort to ${show(live[0]?.version)} (${what}): ingress-nginx selects requests by header or cookie for the canary version only${stable ? `, and ${show(stable)} is the stable one` : ''}; `
        + `send the cohort to the canary, or ${ALTERNATIVE}`);
    }
    if (matches.length > 1 || matches[0].conditions.length > 1) {
      fail(who, `${p} cannot match ${matches.map(m => `(${m})`).join(' or ')} (in ${what}): the canary Ingress selects requests by one header and one cookie, each a separate cohort; `
        + `match one header or one cookie per route, or ${ALTERNATIVE}`);
    }
    const c = matches[0].conditions[0];
    const cohort = nginxCohort(c);
    if (typeof cohort === 'string') {
      fail(who, `${p} cannot match ${c.description} (in ${what}): ${cohort}; or ${ALTERNATIVE}`);
    }
    // ingress-nginx ignores (as if unset) a value its annotation validation rejects.
    const annotation = cohort.kind === 'cookie' ? 'canary-by-cookie' : 'canary-by-header';
    if (!isHttpToken(cohort.name) || !NGINX_NAME.test(cohort.name)) {
      fail(who, `${p} cannot match header or cookie ${show(cohort.name)} (in ${what}): ingress-nginx ignores a ${annotation} that is not letters, digits, '-', '.', '_' and '~'; use such a name`);
    }
    if (cohort.kind === 'header' && !(/^\S(.*\S)?$/.test(cohort.value) && NGINX_BASIC_CHARS.test(cohort.value.replace(/ /g, '')))) {
      fail(who, `${p} cannot match header value ${show(cohort.value)} (in ${what}): ingress-nginx ignores a canary-by-header-value other than letters, digits, spaces inside, '-', '.', '_', '~', '/' and ':'; `
        + `use such a value, or ${ALTERNATIVE}`);
    }
    if (cohort.kind === 'header-pattern' && !NGINX_REGEX_CHARS.test(cohort.pattern)) {
      fail(who, `${p} cannot match ${c.description} (in ${what}): its canary-by-header-pattern ${show(cohort.pattern)} has characters ingress-nginx's annotation validation rejects `
        + `(it allows letters, digits, '-._~/:' and '^$[](){}*+?|&=\\'); use such a pattern, or ${ALTERNATIVE}`);
    }
    const kindOf = (r: RouteRule) => {
      const m = r.matches ?? [];
      if (m.length !== 1 || m[0].conditions.length !== 1) return undefined;
      const k = nginxCohort(m[0].conditions[0]);
      return typeof k === 'string' ? undefined : (k.kind === 'cookie' ? 'cookie' : 'header');
    };
    const mine = cohort.kind === 'cookie' ? 'cookie' : 'header';
    const other = [...position.before, ...position.after].find(r => kindOf(r) === mine);
    if (other) {
      fail(who, `${p} cannot select a second ${mine} cohort (${c.description} in ${what}, besides ${other.matches![0]}): the canary Ingress takes one canary-by-${mine}; `
        + `use one ${mine} for every tester, or ${ALTERNATIVE}`);
    }
  }

  public render(ctx: ProviderContext): RenderedRouting {
    // ingress-nginx splits only what enters through the Ingresses: the app Service selects
    // the stable version, so that in-cluster callers never reach a version the release has
    // not given traffic (selecting every version, they would get each by its pod count).
    ctx.service.selectLabel('version', ctx.versions[0]);
    const objects: ApiObject[] = [];
    for (const version of ctx.versions) {
      const svc = new ApiObject(ctx.scope, `Service-${version}`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `${ctx.name}-${version}`, labels: { app: ctx.name, service: ctx.name, version } },
        spec: {
          ports: [{ name: ctx.portName, port: ctx.port, targetPort: ctx.targetPort }],
          selector: { app: ctx.name, version },
          type: 'ClusterIP',
        },
      });
      OWNED.add(svc);
      if (ctx.argoCdSyncWaves) ctx.wave(svc, 0, true);
      objects.push(svc);
    }
    const ingress = (id: string, name: string, version: string) => {
      const o = new ApiObject(ctx.scope, id, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name },
        spec: this.ingressSpec(ctx, version),
      });
      OWNED.add(o);
      if (ctx.argoCdSyncWaves) ctx.wave(o, 2, false);
      objects.push(o);
      return o;
    };
    const main = ingress('Ingress', ctx.name, ctx.versions[0]);
    if (ctx.versions.length === 2) {
      const canary = ingress('CanaryIngress', `${ctx.name}-canary`, ctx.versions[1]);
      canary.metadata.addAnnotation(`${NGINX_PREFIX}canary`, 'true');
      // The weight and cohort annotations come with the rules (ruleAdded).
      (main as any)._canary = canary;
    }
    return { objects, primary: main };
  }

  /** Adds the annotations of a rule, once added: the mirror on the main Ingress, the weight and cohorts on the canary Ingress. */
  public ruleAdded(ctx: ProviderContext, rendered: RenderedRouting): void {
    const target = mirrorTarget(ctx);
    if (target) rendered.primary.metadata.addAnnotation(`${NGINX_PREFIX}mirror-target`, target);
    const canary: ApiObject | undefined = (rendered.primary as any)._canary;
    if (!canary) return;
    for (const [k, v] of Object.entries(canaryAnnotations(ctx))) canary.metadata.addAnnotation(k, v);
  }

  public renderPreviewHost(ctx: ProviderContext, _rendered: RenderedRouting, previewHost: string): RenderedPreview {
    return fail(ctx.who, `${this.displayName} does not render previewHost ${show(previewHost)} yet; remove it, or ${ALTERNATIVE}`);
  }

  private ingressSpec(ctx: ProviderContext, version: string): any {
    return {
      ingressClassName: this.options.ingressClassName,
      rules: [{
        host: ctx.hosts[0],
        http: {
          paths: [{
            path: this.options.path,
            pathType: this.options.pathType,
            backend: { service: { name: `${ctx.name}-${version}`, port: { number: ctx.port } } },
          }],
        },
      }],
    };
  }
}

/** The canary annotations the routing gives (besides `canary: "true"`). */
export function canaryAnnotations(ctx: ProviderContext): Record<string, string> {
  const routing = ctx.routing();
  const canary = ctx.versions[1];
  const out: Record<string, string> = {};
  const defaults = routing.rules.filter(r => (r.matches ?? []).length === 0);
  const split = defaults[defaults.length - 1];
  if (split) {
    const total = split.destinations.reduce((n, d) => n + d.weight, 0) || 100;
    const weight = split.destinations.filter(d => d.version === canary).reduce((n, d) => n + d.weight, 0);
    out[`${NGINX_PREFIX}canary-weight`] = String(Math.round(weight * 100 / total));
  }
  for (const r of routing.rules) {
    const m = r.matches ?? [];
    if (m.length !== 1 || m[0].conditions.length !== 1) continue;
    const c = nginxCohort(m[0].conditions[0]);
    if (typeof c === 'string') continue;
    if (c.kind === 'cookie') {
      out[`${NGINX_PREFIX}canary-by-cookie`] = c.name;
    } else if (c.kind === 'header') {
      out[`${NGINX_PREFIX}canary-by-header`] = c.name;
      out[`${NGINX_PREFIX}canary-by-header-value`] = c.value;
    } else {
      out[`${NGINX_PREFIX}canary-by-header`] = c.name;
      out[`${NGINX_PREFIX}canary-by-header-pattern`] = c.pattern;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Mirroring: ingress-nginx's `mirror-target` copies every request of the main Ingress's
// location to a URL (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#mirror),
// the requests the canary Ingress takes included (a canary Ingress ignores the annotation).
// So the model maps exactly when every rule mirrors 100% of its requests to the same version
// of the service; sampling, a mirror of some rules only, or another service's host does not.
// ---------------------------------------------------------------------------------------

const MIRROR_CAPABILITY = 'mirror-target (all requests)';

function mirrorOf(r: RouteRule): MirrorPolicy | undefined {
  return r.mirror && r.mirror.percent > 0 ? r.mirror : undefined;
}

/** Checks that the rules' mirrors are one ingress-nginx mirror-target: all requests, to one version of the service. */
function checkMirror(ctx: ProviderContext, rule: RouteRule, what: string, who: string, position: RulePosition): void {
  const p = 'the ingress-nginx provider';
  const all = [...position.before, rule, ...position.after];
  const mirrored = all.filter(r => mirrorOf(r) !== undefined);
  if (mirrored.length === 0) return;
  const own = mirrorOf(rule);
  if (own && own.host !== undefined && own.host !== ctx.name) {
    fail(who, `${p} cannot mirror ${what} to host ${show(own.host)}: its ${MIRROR_CAPABILITY} copies requests to a version of ${show(ctx.name)} only; `
      + `mirror to a version of ${show(ctx.name)}, or ${ALTERNATIVE}`);
  }
  if (own && own.percent !== 100) {
    fail(who, `${p} cannot mirror ${own.percent}% of ${what} to version ${show(own.version)}: its ${MIRROR_CAPABILITY} copies every request, it does not sample; `
      + `set the mirror percent (mirrorPercent) to 100, or ${ALTERNATIVE}`);
  }
  const m = mirrorOf(mirrored[0])!;
  const other = all.find(r => mirrorOf(r)?.version !== m.version || mirrorOf(r)?.percent !== m.percent);
  if (other) {
    const theirs = mirrorOf(other);
    fail(who, `${p} cannot mirror only some of the requests of ${ctx.hosts[0] ?? ctx.name} (${describeRule(mirrored[0])} mirrors ${m.percent}% to version ${show(m.version)}, `
      + `${describeRule(other)} ${theirs ? `mirrors ${theirs.percent}% to version ${show(theirs.version)}` : 'mirrors nothing'}): its ${MIRROR_CAPABILITY} copies every request `
      + `the Ingress serves, cohorts included; mirror every request to one version at 100%, remove the routes that are not mirrored, or ${ALTERNATIVE}`);
  }
  if (Chart.of(ctx.scope).namespace === undefined) {
    fail(who, `${p} cannot mirror ${what} to version ${show(m.version)} without the chart's namespace: ${MIRROR_CAPABILITY} names Service ${ctx.name}-${m.version} by `
      + `its DNS name, which nginx resolves without the cluster's search domains; set the namespace of the chart, or ${ALTERNATIVE}`);
  }
}

function describeRule(r: RouteRule): string {
  const matches = r.matches ?? [];
  return matches.length === 0 ? 'the default route' : `the route matching ${matches.map(m => `(${m})`).join(' or ')}`;
}

/** The `mirror-target` URL: the mirrored version's Service, by its fully qualified name, with the request's URI. */
export function mirrorTarget(ctx: ProviderContext): string | undefined {
  const m = ctx.routing().rules.map(mirrorOf).find(x => x !== undefined);
  if (!m) return undefined;
  const namespace = Chart.of(ctx.scope).namespace;
  return `http://${ctx.name}-${m.version}.${namespace}.svc.cluster.local:${ctx.port}$request_uri`;
}
