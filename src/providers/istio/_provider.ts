// The Istio provider (internal): VirtualService + DestinationRule with one subset per version.
import { Lazy } from 'cdk8s';
import { IstioSharedHost } from './_shared-host';
import { renderTrafficPolicy, validateTrafficPolicy } from './_traffic-policy';
import { DestinationRule, VirtualService } from './imports/networking.istio.io';
import { renderDestinationRuleSpec, renderVirtualServiceSpec } from './renderer';
import { OWNED } from '../../internal/owned';
import { fail } from '../../internal/validation';
import { MESH_GATEWAY } from '../../model/_util';
import { RouteRule } from '../../model/routing-model';
import { TrafficPolicy } from '../../model/traffic-policy';
import { modelled } from '../_modelled-object';
import { ProviderContext, ProviderImpl, ProviderMetrics, RenderedPreview, RenderedRouting, SharedHostContext, SharedHostRenderer } from '../_provider';
import { istioMetricSource } from './_metrics';

// Our VirtualService specs are rendered in Istio's wire format already: no key mapping.
const ModelledVirtualService = modelled(VirtualService, true);
const ModelledDestinationRule = modelled(DestinationRule, false);

/**
 * Renders a DestinationRule `<service>` (a subset per version) and a VirtualService
 * `<service>` from the routing model, at construct paths `<owner>/DestinationRule` and
 * `<owner>/VirtualService`, in that order.
 */
export class IstioProvider implements ProviderImpl {
  public readonly displayName = 'the Istio provider';

  public metrics(): ProviderMetrics {
    return { source: istioMetricSource(), described: 'TrafficProvider.istio()' };
  }

  public checkService(who: string, props: { trafficPolicy?: TrafficPolicy }): void {
    if (props.trafficPolicy) validateTrafficPolicy(who, props.trafficPolicy);
  }

  public checkRule(ctx: ProviderContext, rule: RouteRule, what: string, who: string): void {
    // Istio's webhook (ValidateVirtualService, since 1.24) accepts JWT-claim matches only in a
    // VirtualService bound to gateways and not to 'mesh'.
    const besidesMesh = ctx.gateways.filter(g => g !== MESH_GATEWAY);
    if ((rule.matches ?? []).some(m => m.requiresGateway) && (besidesMesh.length === 0 || ctx.gateways.includes(MESH_GATEWAY))) {
      fail(who, `${what} matches a JWT claim, which Istio accepts only in a VirtualService bound to gateways and not to mesh; `
        + `set gateways and includeMesh: false on ${ctx.who}`);
    }
  }

  /** Cookie matches and per-destination response headers (HTTPRouteDestination.headers) are Istio's own. */
  public checkStickySessions(): void {}

  public render(ctx: ProviderContext): RenderedRouting {
    const trafficPolicy = renderTrafficPolicy(ctx.who, ctx.trafficPolicy);
    const drSpec = renderDestinationRuleSpec({ host: ctx.name, versions: ctx.versions.map(version => ({ version })), rules: [] }, trafficPolicy);
    const dr = new ModelledDestinationRule(ctx.scope, 'DestinationRule', { metadata: { name: ctx.name }, spec: drSpec });
    dr.model = () => drSpec;
    const vsSpec = () => renderVirtualServiceSpec(ctx.routing());
    const vs = new ModelledVirtualService(ctx.scope, 'VirtualService', { metadata: { name: ctx.name }, spec: Lazy.any({ produce: vsSpec }) as any });
    vs.model = vsSpec;
    OWNED.add(dr);
    OWNED.add(vs);
    // Make before break: the VirtualService follows its DestinationRule even if construction order changes.
    vs.addDependency(dr);
    if (ctx.argoCdSyncWaves) {
      ctx.wave(dr, 1, true);
      ctx.wave(vs, 2, false);
    }
    return { objects: [dr, vs], primary: vs, destinationRule: dr, virtualService: vs };
  }

  public sharedHost(host: SharedHostContext): SharedHostRenderer {
    return new IstioSharedHost(host);
  }

  public renderPreviewHost(ctx: ProviderContext, rendered: RenderedRouting, previewHost: string, rule: RouteRule): RenderedPreview {
    const gateways = ctx.gateways.filter(g => g !== MESH_GATEWAY);
    const spec = renderVirtualServiceSpec({ host: previewHost, gateways, versions: [], rules: [rule] });
    const preview = new ModelledVirtualService(ctx.scope, 'PreviewVirtualService', { metadata: { name: `${ctx.name}-preview` }, spec });
    preview.model = () => spec;
    OWNED.add(preview);
    preview.addDependency(rendered.destinationRule!);
    return { route: preview, virtualService: preview };
  }
}
