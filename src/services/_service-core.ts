// The rendering shared by every service construct (internal, not exported from index.ts).
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { RouteResilience, validateRouteResilience, withRouteDefaults } from './_route-options';
import { capacityOf, checkTemplatePort, readWorkload, renderWorkload, shareOfReplicas, withCapacity, Workload } from './_workload';
import { RoutedServiceOptions, VersionSpec } from './routed-service';
import { RoutingAnalyzer } from '../analyzer/routing-analyzer';
import { OWNED } from '../internal/owned';
import { DNS1035_RULE, fail, isDns1035Label, isHttpToken, owner, show, validateDns1035Label, validateDns1123Label, validateHost, validateIntRange, validateNumberRange, validateUnique } from '../internal/validation';
import { MESH_GATEWAY } from '../model/_util';
import { MatchField } from '../model/request-match';
import { RouteRule, ServiceRouting, ServiceVersion } from '../model/routing-model';
import { ServiceProtocol } from '../model/service-protocol';
import { ProviderContext, ProviderImpl, RenderedPreview, RenderedRouting } from '../providers/_provider';
import { TrafficProvider } from '../providers/traffic-provider';

const PORT_NAMES: Record<ServiceProtocol, string> = {
  [ServiceProtocol.HTTP]: 'http',
  [ServiceProtocol.HTTP2]: 'http2',
  [ServiceProtocol.GRPC]: 'grpc',
};

const ARGO_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** The core of each service construct, by construct (for SharedHost, which reads their routing). */
export const SERVICE_CORES = new WeakMap<Construct, ServiceCore>();
const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** Replicas that follow the canary's weight (`ReplicaPolicy.matchTrafficWeight()`). */
export interface WeightScaling {
  readonly stable: string;
  readonly canary: string;
  readonly weight: number;
  readonly dynamicStableScale: boolean;
}

/**
 * The shared rendering of every service construct (internal, not exported from index.ts):
 * one Deployment per version and one Service, then the routing objects the provider renders
 * from the routing model. Children are created in the owner's scope, so construct paths are
 * `<owner>/Deployment-<version>`, `<owner>/Service`, then the provider's (Istio:
 * `<owner>/DestinationRule` and `<owner>/VirtualService`).
 */
export class ServiceCore {
  public readonly who: string;
  public readonly name: string;
  public readonly service: kplus.Service;
  public readonly provider: ProviderImpl;
  public readonly rendered: RenderedRouting;
  public readonly deployments = new Map<string, kplus.Deployment>();
  /** The HorizontalPodAutoscalers and PodDisruptionBudgets of the versions, by version. */
  public readonly workloadObjects = new Map<string, ApiObject[]>();

  private versionList: ServiceVersion[];
  private readonly gateways: string[];
  private readonly hosts: string[];
  private readonly untrustedHeaders: string[];
  private readonly matchedRules: RouteRule[] = [];
  private readonly ruleSources: string[] = [];
  private defaultRule?: RouteRule;
  private stickyRules: RouteRule[] = [];
  private reserved?: { names: Set<string>; owner: string };
  private readonly routeDefaults: RouteResilience;
  private readonly ctx: ProviderContext;

  public constructor(ownerScope: Construct, kind: string, props: RoutedServiceOptions, versions: VersionSpec[], scaling?: WeightScaling) {
    this.who = owner(kind, ownerScope.node.id);
    const who = this.who;
    this.name = serviceNameFor(who, ownerScope.node.id, props.serviceName);
    const port = validateIntRange(who, 'port', props.port, 1, 65535);
    const protocol = props.protocol ?? ServiceProtocol.HTTP;
    if (PORT_NAMES[protocol] === undefined) {
      fail(who, `protocol must be one of ${Object.values(ServiceProtocol).join(', ')}, got ${show(protocol)}`);
    }
    const provider = props.provider ?? TrafficProvider.istio();
    if (!(provider instanceof TrafficProvider)) {
      fail(who, `provider must be TrafficProvider.istio() or TrafficProvider.gatewayApi(), got ${show(provider)}`);
    }
    this.provider = provider._impl;
    this.gateways = validateGateways(who, props.gateways ?? [], props.includeMesh ?? true);
    this.hosts = (props.hosts ?? []).map((h, i) => validateHost(who, `hosts[${i}]`, h));
    validateUnique(who, 'hosts', [this.name, ...this.hosts], h => h);
    validateRouteResilience(who, props, false);
    this.routeDefaults = { timeout: props.timeout, retries: props.retries, headers: props.headers };
    this.provider.checkService(who, { trafficPolicy: props.trafficPolicy, gateways: this.gateways, hosts: this.hosts, protocol });
    this.untrustedHeaders = (props.untrustedHeaders ?? []).map((h, i) => {
      if (!isHttpToken(h)) fail(who, `untrustedHeaders[${i}] must be an HTTP header name, got ${show(h)}`);
      return h.toLowerCase();
    });
    if (this.untrustedHeaders.length > 0 && this.gatewaysBesidesMesh.length === 0) {
      fail(who, 'untrustedHeaders are removed at the service\'s gateways, but it is bound to none; set gateways, or remove untrustedHeaders');
    }

    validateUnique(who, 'version', versions, v => v.version);
    const containerPorts = new Set<number>();
    const workloads = new Map<string, Workload>();
    this.versionList = versions.map(spec => {
      validateDns1123Label(who, 'version', spec.version);
      workloads.set(spec.version, readWorkload(who, spec, ownerScope.node.root));
      const replicas = capacityOf(workloads.get(spec.version)!);
      const containerPort = validateIntRange(who, `containerPort of version ${spec.version}`, spec.containerPort ?? port, 1, 65535);
      containerPorts.add(containerPort);
      if (`${this.name}-${spec.version}`.length > 63) {
        fail(who, `the Deployment name "${this.name}-${spec.version}" must be at most 63 characters; shorten serviceName or version`);
      }
      return { version: spec.version, replicas, labels: { version: spec.version } };
    });
    if (containerPorts.size > 1) {
      fail(who, `every version must use the same containerPort (the Service has one targetPort), got ${[...containerPorts].join(' and ')}`);
    }
    const targetPort = containerPorts.size === 1 ? [...containerPorts][0] : port;
    if (scaling) this.scaleWithWeight(workloads, scaling);

    for (const spec of versions) {
      const w = workloads.get(spec.version)!;
      checkTemplatePort(who, w, targetPort);
      const deployment = this.renderDeployment(ownerScope, w, targetPort);
      this.deployments.set(spec.version, deployment);
      this.workloadObjects.set(spec.version, renderWorkload(ownerScope, who, deployment, w, { app: this.name, name: `${this.name}-${spec.version}` }));
    }

    this.service = new kplus.Service(ownerScope, 'Service', {
      metadata: { name: this.name, labels: { app: this.name, service: this.name } },
      ports: [{ name: PORT_NAMES[protocol], port, targetPort }],
    });
    this.service.selectLabel('app', this.name);
    // cdk8s-plus always writes `externalIPs: []`; the service sets none, so say nothing.
    ApiObject.of(this.service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'));

    for (const o of [...this.deployments.values(), this.service, ...[...this.workloadObjects.values()].flat()]) OWNED.add(o);
    const argoCdSyncWaves = props.argoCdSyncWaves ?? false;
    this.ctx = {
      scope: ownerScope,
      who,
      name: this.name,
      port,
      portName: PORT_NAMES[protocol],
      protocol,
      targetPort,
      service: this.service,
      versions: this.versionNames,
      gateways: [...this.gateways],
      hosts: [...this.hosts],
      trafficPolicy: props.trafficPolicy,
      argoCdSyncWaves,
      routing: () => this.routing(),
      wave,
    };
    // Make before break: pods and the Service come before the routes that use them. The
    // provider renders its objects after them (cdk8s' output order is construction order).
    this.rendered = this.provider.render(this.ctx);
    SERVICE_CORES.set(ownerScope, this);

    // Istio's webhook and analyzer rules over everything in the chart, at synth.
    RoutingAnalyzer.register(ownerScope);

    if (argoCdSyncWaves) {
      for (const d of this.deployments.values()) wave(ApiObject.of(d), 0, true);
      for (const o of [...this.workloadObjects.values()].flat()) wave(o, 0, true);
      wave(ApiObject.of(this.service), 0, false);
    }
  }

  /** What the provider was told about the service (port, protocol, gateways, hosts). */
  public get context(): ProviderContext {
    return this.ctx;
  }

  public get versionNames(): string[] {
    return this.versionList.map(v => v.version);
  }

  public replicas(version: string): number | undefined {
    return this.versionList.find(v => v.version === version)?.replicas;
  }

  /** Whether the service is bound to a gateway other than `mesh`. */
  public get gatewaysBesidesMesh(): string[] {
    return this.gateways.filter(g => g !== MESH_GATEWAY);
  }

  /**
   * Sets the catch-all rule, rendered last, and the sticky-session cookie rules rendered just
   * before it (after every matched rule).
   */
  public setDefaultRule(rule: RouteRule, sticky: RouteRule[] = []): void {
    this.validateRule(rule, 'the default route', this.who);
    sticky.forEach(r => this.validateRule(r, `the sticky-session route ${show(r.name)}`, this.who));
    this.defaultRule = rule;
    this.stickyRules = [...sticky];
    const stickyNames = new Set(sticky.map(r => r.name));
    const defaults = this.defaultRules();
    defaults.forEach((d, i) => this.provider.checkRule(this.ctx, withRouteDefaults(d, this.routeDefaults),
      d.matches && stickyNames.has(d.name?.replace(/^gateway-/, '')) ? `the sticky-session route ${show(d.name)}` : 'the default route', this.who, {
        before: [...this.matchedRules, ...defaults.slice(0, i)], after: defaults.slice(i + 1),
      }));
    this.provider.ruleAdded?.(this.ctx, this.rendered);
  }

  /** Throws unless the provider can pin sessions with cookies (`stickySessions`). */
  public checkStickySessions(): void {
    const p = this.provider;
    if (!p.checkStickySessions) {
      fail(this.who, `${p.displayName} cannot render stickySessions: it cannot match a cookie and add a response header per destination; use TrafficProvider.istio() or TrafficProvider.gatewayApi(), or remove stickySessions`);
    }
    p.checkStickySessions(this.ctx);
  }

  public addRoute(rule: RouteRule, source: string): void {
    if (!rule || (rule.matches ?? []).length === 0) {
      fail(source, `a route added to ${this.who} must have at least one match; the service's own rule is the only catch-all`);
    }
    const boundTo = this.gateways.length > 0 ? this.gateways : [MESH_GATEWAY];
    (rule.gateways ?? []).forEach(g => {
      if (!boundTo.includes(g)) {
        fail(source, `gateways lists ${show(g)}, but ${this.who} is bound to ${boundTo.join(', ')} only; add it to the service's gateways, or remove it from the route`);
      }
    });
    const untrusted = this.untrustedHeadersIn(rule);
    if (untrusted.length > 0) {
      const publicGateways = (rule.gateways ?? []).filter(g => g !== MESH_GATEWAY);
      if (publicGateways.length > 0) {
        fail(source, `it matches untrusted header ${show(untrusted[0])} at gateway ${show(publicGateways[0])}, where clients can set it; bind the route to 'mesh' only, or use a JWT claim`);
      }
      // Untrusted headers are removed at the gateways: the route serves in-mesh traffic only.
      if (!rule.gateways) rule = { ...rule, gateways: [MESH_GATEWAY] };
    }
    this.validateRule(rule, 'the route', source);
    this.provider.checkRule(this.ctx, withRouteDefaults(rule, this.routeDefaults), 'the route', source, { before: [...this.matchedRules], after: this.defaultRules() });
    if (this.reserved) {
      const clash = headerNames(rule).find(n => this.reserved!.names.has(n));
      if (clash) {
        fail(source, `it matches header ${show(clash)}, which ${this.reserved.owner} uses; a request carrying it would reach one of the two routes only; use another header`);
      }
    }
    // Istio's unreachable-rule analysis (IST0131): a match equal to an earlier one never selects this route.
    const seen = new Set<string>();
    for (const m of rule.matches!) {
      if (seen.has(m.key)) fail(source, `it lists the match (${m}) twice; remove one`);
      seen.add(m.key);
      const earlier = this.matchedRules.findIndex(r => sameGateways(r, rule) && (r.matches ?? []).some(o => o.key === m.key));
      if (earlier >= 0) {
        fail(source, `its match (${m}) is the same as one of ${this.ruleSources[earlier]}, which comes first, so it could never select this route; change the match or remove it`);
      }
    }
    if (rule.name !== undefined && [...this.matchedRules, ...this.defaultRules()].some(r => r.name === rule.name)) {
      fail(source, `route name ${show(rule.name)} is already used on ${this.who}; route names must be unique per service`);
    }
    this.matchedRules.push(rule);
    this.ruleSources.push(source);
    this.provider.ruleAdded?.(this.ctx, this.rendered);
  }

  /** The routing model. */
  public routing(): ServiceRouting {
    const defaults = this.defaultRules();
    return {
      host: this.name,
      hosts: [...this.hosts],
      gateways: [...this.gateways],
      versions: this.versionList.map(v => ({ ...v, labels: { ...v.labels } })),
      rules: [...this.matchedRules, ...defaults].map(r => withRouteDefaults(r, this.routeDefaults)),
      source: this.rendered.primary.node.path,
    };
  }

  /** The default rules, rendered last: the catch-all, after its gateway variant when headers are untrusted. */
  private defaultRules(): RouteRule[] {
    const defaults: RouteRule[] = [];
    if (this.defaultRule) {
      if (this.untrustedHeaders.length > 0) {
        // Gateway traffic: the same split, with the untrusted headers removed before forwarding
        // (sticky sessions' cookie rules too, or a cookie would skip the removal).
        const gateway = { gateways: this.gatewaysBesidesMesh, removeRequestHeaders: [...this.untrustedHeaders] };
        defaults.push(...this.stickyRules.map(r => ({ ...r, name: `gateway-${r.name}`, ...gateway })));
        defaults.push({ ...this.defaultRule, name: 'gateway-default', gateways: this.gatewaysBesidesMesh, removeRequestHeaders: [...this.untrustedHeaders] });
        // Gateway traffic took the variants above: the cookie rules below serve in-mesh traffic
        // only (bound to it, so that no provider sees them compete with the gateway default).
        const mesh = this.gateways.includes(MESH_GATEWAY) ? this.stickyRules.map(r => ({ ...r, gateways: [MESH_GATEWAY] })) : [];
        defaults.push(...mesh, this.defaultRule);
      } else {
        defaults.push(...this.stickyRules, this.defaultRule);
      }
    }
    return defaults;
  }

  /**
   * Adds the provider's objects for `previewHost` at the service's gateways (Istio: a
   * VirtualService `<service>-preview`), sending all its traffic to `version`.
   */
  public addPreviewHost(previewHost: string, version: string): RenderedPreview {
    const gateways = this.gatewaysBesidesMesh;
    if (gateways.length === 0) {
      fail(this.who, `previewHost ${show(previewHost)} is served at the service's gateways, but it is bound to none; set gateways`);
    }
    if (previewHost === this.name || this.hosts.includes(previewHost)) {
      fail(this.who, `previewHost must differ from the service's hosts (${[this.name, ...this.hosts].join(', ')}), got ${show(previewHost)}`);
    }
    const rule: RouteRule = { name: 'preview', destinations: [{ host: this.name, version, weight: 100 }] };
    this.validateRule(rule, 'the preview host route', this.who);
    this.provider.checkRule(this.ctx, rule, 'the preview host route', this.who, { before: [], after: [] });
    return this.provider.renderPreviewHost(this.ctx, this.rendered, previewHost, rule);
  }

  /** Adds a rule whose header names no later route may match (BlueGreenService's preview). */
  public addReservedRoute(rule: RouteRule, source: string): void {
    this.addRoute(rule, source);
    this.reserved = { names: new Set(headerNames(rule)), owner: `the preview route of ${this.who}` };
  }

  private untrustedHeadersIn(rule: RouteRule): string[] {
    const names = new Set(headerNames(rule));
    return this.untrustedHeaders.filter(h => names.has(h));
  }

  private validateRule(rule: RouteRule, what: string, who: string): void {
    const versions = this.versionNames;
    const known = (v: string | undefined) => v !== undefined && versions.includes(v);
    if (rule.destinations.length === 0) fail(who, `${what} must have at least one destination, got none`);
    validateRouteResilience(who, rule, true);
    let total = 0;
    for (const d of rule.destinations) {
      validateIntRange(who, `weight of version ${show(d.version)}`, d.weight, 0, 100);
      total += d.weight;
      if (!known(d.version)) {
        fail(who, `${what} sends traffic to version ${show(d.version)}, which ${this.who} does not run (versions: ${versions.join(', ')}); add the version to the service, or remove the route`);
      }
      if (d.weight > 0 && this.replicas(d.version as string) === 0) {
        fail(who, `${what} sends ${d.weight}% of its traffic to version ${show(d.version)}, which has 0 replicas; scale it up first, or send it no traffic`);
      }
    }
    validateUnique(who, `versions of ${what}`, rule.destinations, d => d.version ?? '');
    if (total !== 100) {
      fail(who, `the weights of ${what} must add up to 100, got ${total} (${rule.destinations.map(d => `${d.version}=${d.weight}`).join(', ')})`);
    }
    if (rule.mirror) {
      const m = rule.mirror;
      validateNumberRange(who, 'mirror percent', m.percent, 0, 100);
      if (!known(m.version)) {
        fail(who, `${what} mirrors to version ${show(m.version)}, which ${this.who} does not run (versions: ${versions.join(', ')})`);
      }
      if (this.replicas(m.version) === 0) {
        fail(who, `${what} mirrors to version ${show(m.version)}, which has 0 replicas; scale it up first, or remove the mirror`);
      }
      const live = rule.destinations.find(d => d.version === m.version && d.weight > 0);
      if (live) {
        fail(who, `${what} mirrors to version ${show(m.version)}, which already receives ${live.weight}% of the same traffic; mirror to a version that gets no live traffic, or remove the mirror`);
      }
    }
  }

  /**
   * `ReplicaPolicy.matchTrafficWeight()`: the canary's replicas (or autoscaler minimum) become
   * the weight's share of the stable's, and with dynamicStableScale the stable's its own share.
   */
  private scaleWithWeight(workloads: Map<string, Workload>, s: WeightScaling): void {
    const stable = workloads.get(s.stable)!;
    const canary = workloads.get(s.canary)!;
    const base = capacityOf(stable);
    workloads.set(s.canary, withCapacity(canary, shareOfReplicas(base, s.weight)));
    if (s.dynamicStableScale && base > 0) workloads.set(s.stable, withCapacity(stable, shareOfReplicas(base, 100 - s.weight)));
    this.versionList = this.versionList.map(v => ({ ...v, replicas: capacityOf(workloads.get(v.version)!) }));
  }

  private renderDeployment(scope: Construct, w: Workload, containerPort: number): kplus.Deployment {
    const spec = w.spec;
    if (w.template) {
      const containers: any[] = w.template.template.spec.containers;
      const main = containers.find(c => c.name === (w.template!.container ?? this.name)) ?? containers[0];
      // A placeholder pod, replaced by the template (renderWorkload): cdk8s-plus renders the
      // Deployment's metadata, and the Deployment stays a kplus.Deployment for deploymentOf().
      return new kplus.Deployment(scope, `Deployment-${spec.version}`, {
        metadata: { name: `${this.name}-${spec.version}`, labels: { app: this.name, version: spec.version } },
        podMetadata: { labels: { app: this.name, version: spec.version } },
        replicas: w.replicas,
        containers: [{ name: main.name, image: spec.image ?? (typeof main.image === 'string' && main.image !== '' ? main.image : 'placeholder') }],
        select: false,
      });
    }
    const labels = {
      'app': this.name,
      'version': spec.version,
      'app.kubernetes.io/name': this.name,
      'app.kubernetes.io/version': spec.version,
    };
    const deployment = new kplus.Deployment(scope, `Deployment-${spec.version}`, {
      metadata: { name: `${this.name}-${spec.version}`, labels },
      podMetadata: { labels },
      replicas: w.replicas,
      select: false,
      minReady: spec.minReady,
      strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: spec.maxSurge, maxUnavailable: spec.maxUnavailable }),
      containers: [{
        name: this.name,
        image: spec.image!,
        portNumber: containerPort,
        envVariables: spec.envVariables,
        command: spec.command,
        args: spec.args,
        resources: spec.resources,
        readiness: spec.readiness,
        liveness: spec.liveness,
        startup: spec.startup,
        securityContext: spec.securityContext,
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { app: this.name, version: spec.version } }));
    return deployment;
  }
}

/** The service name: `serviceName`, or the one derived from the construct id. */
export function serviceNameFor(who: string, id: string, serviceName?: string): string {
  // A Kubernetes Service name is a DNS-1035 label: it starts with a letter.
  if (serviceName !== undefined) return validateDns1035Label(who, 'serviceName', serviceName);
  const derived = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!isDns1035Label(derived)) {
    fail(who, `serviceName is not set and the id ${show(id)} does not give ${DNS1035_RULE} (got ${show(derived)}); set serviceName`);
  }
  return derived;
}

function validateGateways(who: string, gateways: string[], includeMesh: boolean): string[] {
  gateways.forEach((g, i) => {
    if (typeof g !== 'string' || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(g)) {
      fail(who, `gateways[${i}] must be a gateway name, '<namespace>/<name>' or '${MESH_GATEWAY}', got ${show(g)}`);
    }
  });
  validateUnique(who, 'gateways', gateways, g => g);
  if (gateways.length === 0) return [];
  return includeMesh && !gateways.includes(MESH_GATEWAY) ? [...gateways, MESH_GATEWAY] : [...gateways];
}

function headerNames(rule: RouteRule): string[] {
  return (rule.matches ?? []).flatMap(m => m.conditions)
    .filter(c => c.field === MatchField.HEADER || c.field === MatchField.WITHOUT_HEADER)
    .map(c => c.name as string);
}

function sameGateways(a: RouteRule, b: RouteRule): boolean {
  return [...(a.gateways ?? [])].sort().join(',') === [...(b.gateways ?? [])].sort().join(',');
}

function wave(o: ApiObject, n: number, pruneLast: boolean): void {
  o.metadata.addAnnotation(ARGO_SYNC_WAVE, String(n));
  if (pruneLast) o.metadata.addAnnotation(ARGO_SYNC_OPTIONS, 'PruneLast=true');
}
