// The plain-Kubernetes provider (internal): no routing objects. The app's Service selects every
// version's pods, so each version's share of the traffic is its share of the ready pods; a
// rule that sends everything to one version selects that version's pods only.
import { ApiObject } from 'cdk8s';
import { fail, show } from '../../internal/validation';
import { MESH_GATEWAY } from '../../model/_util';
import { RouteRule } from '../../model/routing-model';
import { ServiceProtocol } from '../../model/service-protocol';
import { TrafficPolicy } from '../../model/traffic-policy';
import { ProviderContext, ProviderImpl, ProviderMetrics, RenderedPreview, RenderedRouting } from '../_provider';
import { VERSION_LABEL } from './_labels';


const ALTERNATIVE = 'use TrafficProvider.istio(), TrafficProvider.gatewayApi() or TrafficProvider.ingressNginx()';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The replica counts `first:second` that give `second` exactly `weight` percent of the pods
 * (the three smallest), e.g. 20 -> `4:1, 8:2, 12:3`.
 */
export function replicaRatios(weight: number): string {
  const g = gcd(weight, 100);
  const second = weight / g;
  const first = (100 - weight) / g;
  return [1, 2, 3].map(k => `${first * k}:${second * k}`).join(', ');
}

/**
 * Renders nothing besides the app's Service (which selects label `app`). While the default
 * rule sends all traffic to one version, the Service also selects that version's label (`version`):
 * that is how BlueGreenService switches, and how a canary at weight 0 gets no traffic.
 */
export class KubernetesProvider implements ProviderImpl {
  public readonly displayName = 'the Kubernetes provider';

  /** A Service reports no request metrics: analysis needs the application's or a mesh's. */
  public metrics(): ProviderMetrics {
    return { described: 'TrafficProvider.kubernetes()' };
  }

  public checkService(who: string, props: { trafficPolicy?: TrafficPolicy; gateways: string[]; hosts: string[]; protocol: ServiceProtocol }): void {
    const p = this.displayName;
    if (props.trafficPolicy) {
      fail(who, `${p} cannot apply a trafficPolicy: a Kubernetes Service has no load balancing, connection pool or outlier detection settings; remove trafficPolicy, or ${ALTERNATIVE}`);
    }
    const gateways = props.gateways.filter(g => g !== MESH_GATEWAY);
    if (gateways.length > 0) {
      fail(who, `${p} cannot bind the service to gateways (${gateways.join(', ')}): it renders no routing objects, only the Service; remove gateways, or ${ALTERNATIVE}`);
    }
    if (props.hosts.length > 0) {
      fail(who, `${p} cannot serve further hosts (${props.hosts.join(', ')}): it renders no routing objects, only the Service; remove hosts, or ${ALTERNATIVE}`);
    }
  }

  public checkStickySessions(ctx: ProviderContext): void {
    fail(ctx.who, `${this.displayName} cannot render stickySessions: a Service picks a pod per connection and cannot look at a cookie or set one; remove stickySessions, or use TrafficProvider.istio() or TrafficProvider.gatewayApi()`);
  }

  public checkRule(ctx: ProviderContext, rule: RouteRule, what: string, who: string): void {
    const p = this.displayName;
    if ((rule.matches ?? []).length > 0) {
      fail(who, `${p} cannot route matched requests (${rule.matches!.join(' or ')} in ${what}): a Service spreads requests over its pods without looking at them; ${ALTERNATIVE}`);
    }
    if (rule.mirror) {
      fail(who, `${p} cannot mirror traffic (${rule.mirror.percent}% to version ${show(rule.mirror.version)} in ${what}): a Service sends each request to one pod; remove the mirror, or ${ALTERNATIVE}`);
    }
    const settings = [['timeout', rule.timeout], ['retries', rule.retries], ['headers', rule.headers], ['fault injection', rule.fault], ['removeRequestHeaders', rule.removeRequestHeaders]]
      .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)).map(([name]) => name);
    if (settings.length > 0) {
      fail(who, `${p} cannot apply ${settings.join(', ')} on ${what}: a Service forwards connections and does not see requests; remove ${settings.length > 1 ? 'them' : 'it'}, or ${ALTERNATIVE}`);
    }
    const live = rule.destinations.filter(d => d.weight > 0);
    if (live.some(d => d.host !== undefined && d.host !== ctx.name)) {
      fail(who, `${p} cannot send traffic to another host (in ${what}); ${ALTERNATIVE}`);
    }
    if (live.length > 2) {
      fail(who, `${p} cannot split traffic between more than two versions (${live.map(d => `${d.version}=${d.weight}`).join(', ')} in ${what}): `
        + `the share of each is its share of the pods, which this provider only checks for a stable and a canary; send traffic to at most two versions, or ${ALTERNATIVE}`);
    }
    if (live.length < 2) return; // The Service selects the one version.
    const versions = ctx.routing().versions;
    const replicas = (v: string | undefined) => versions.find(x => x.version === v)?.replicas ?? 1;
    const others = versions.filter(v => !live.some(d => d.version === v.version) && (v.replicas ?? 1) > 0);
    if (others.length > 0) {
      const o = others[0];
      fail(who, `${p} cannot split traffic between ${live.map(d => show(d.version)).join(' and ')} while version ${show(o.version)} runs ${o.replicas ?? 1} pods: `
        + `the Service selects every version's pods, so it would get a share too; scale ${show(o.version)} to 0, or ${ALTERNATIVE}`);
    }
    const [first, second] = live;
    const r1 = replicas(first.version);
    const r2 = replicas(second.version);
    if (second.weight * (r1 + r2) !== 100 * r2) {
      const gives = Math.round(10000 * r2 / (r1 + r2)) / 100;
      fail(who, `${p} cannot send ${second.weight}% to version ${show(second.version)} with ${first.version}:${second.version} replicas ${r1}:${r2}, which give it ${gives}%: `
        + `the share of traffic is the share of ready pods; ${second.weight}% needs ${first.version}:${second.version} replicas ${replicaRatios(second.weight)}, ...; `
        + `set the replicas to one of those, or ${ALTERNATIVE}`);
    }
  }

  public render(ctx: ProviderContext): RenderedRouting {
    const primary = ApiObject.of(ctx.service);
    return { objects: [primary], primary };
  }

  /** Selects the one version the default rule sends traffic to. */
  public ruleAdded(ctx: ProviderContext, _rendered: RenderedRouting): void {
    const rules = ctx.routing().rules;
    const rule = rules[rules.length - 1];
    if (!rule) return;
    const live = rule.destinations.filter(d => d.weight > 0);
    if (live.length === 1 && live[0].version !== undefined) ctx.service.selectLabel(VERSION_LABEL, live[0].version);
  }

  public renderPreviewHost(ctx: ProviderContext, _rendered: RenderedRouting, previewHost: string): RenderedPreview {
    return fail(ctx.who, `${this.displayName} cannot serve previewHost ${show(previewHost)}: it renders no routing objects, only the Service; remove previewHost, or ${ALTERNATIVE}`);
  }
}
