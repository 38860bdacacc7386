// Istio's rules for VirtualServices and DestinationRules, run offline by RoutingAnalyzer:
// the validating webhook's rules on each object (virtual-service.ts, destination-rule.ts,
// traffic-policy.ts) and `istioctl analyze`'s analyzers across objects (here). Each cites the
// Istio code it follows (istio/istio, release 1.30; webhook: pkg/config/validation; analyzers:
// pkg/config/analysis/analyzers); the code is ours.
import { Report, show } from './_check';
import { checkDelegation } from './delegation';
import { checkDestinationRule } from './destination-rule';
import { checkDestinationRuleHosts } from './destination-rule-host';
import { fqdn, hostsMatch, namespaceOf, serviceKey, visibility } from './hosts';
import { checkConstructWarnings, checkMeshOnlyPublicHosts } from './public-hosts';
import { checkUnreachableRules } from './unreachable';
import { checkVirtualService } from './virtual-service';
import { AnalyzedObject as Obj } from '../../../analyzer/_objects';
import { Finding, Severity } from '../../../analyzer/finding';
import { MESH_GATEWAY } from '../../../model/_util';

const VS = 'VirtualService';
const DR = 'DestinationRule';

function isIstio(json: any, kind: string): boolean {
  return json?.kind === kind && typeof json?.apiVersion === 'string' && json.apiVersion.startsWith('networking.istio.io/');
}

/**
 * The webhook rules on one object (what `istioctl validate` and the API server's admission
 * check do): empty for objects other than Istio VirtualServices and DestinationRules.
 */
export function checkIstioObject(json: any, source: string): Finding[] {
  const r = new Report(source);
  if (isIstio(json, VS)) {
    checkVirtualService(json, namespaceOf(json), r);
    checkUnreachableRules(json, r);
  } else if (isIstio(json, DR)) {
    checkDestinationRule(json, namespaceOf(json), r);
  }
  return r.findings;
}

/**
 * Every rule on a set of objects: the webhook rules on each VirtualService and
 * DestinationRule (unless `checked`: the constructs checked it), then the analyzers' rules
 * across objects. Linear in the number of objects: everything is looked up by key.
 */
export function analyzeIstio(objects: Obj[]): Finding[] {
  const findings: Finding[] = [];
  const add = (severity: Severity, rule: string, o: Obj, message: string) => findings.push({ severity, rule, source: o.source, message });
  const vss = objects.filter(o => isIstio(o.json, VS));
  const drs = objects.filter(o => isIstio(o.json, DR));
  for (const o of [...drs, ...vss]) {
    if (!o.checked) findings.push(...checkIstioObject(o.json, o.source));
    else if (o.json.kind === VS) findings.push(...checkConstructWarnings(o.json, o.source));
  }
  for (const vs of vss) findings.push(...checkMeshOnlyPublicHosts(vs.json, vs.source));

  // Services and Deployments by namespace, for the subsets' pods.
  const services = new Map<string, Obj>();
  for (const o of objects) {
    if (o.json?.kind === 'Service' && o.json?.apiVersion === 'v1') services.set(`${namespaceOf(o.json)}/${o.json.metadata?.name}`, o);
  }
  const deploymentsByLabel = new Map<string, Obj[]>();
  const deploymentsByNamespace = new Map<string, Obj[]>();
  for (const dep of objects.filter(o => o.json?.kind === 'Deployment')) {
    const inNamespace = deploymentsByNamespace.get(namespaceOf(dep.json));
    if (inNamespace) inNamespace.push(dep);
    else deploymentsByNamespace.set(namespaceOf(dep.json), [dep]);
    for (const [k, v] of Object.entries(podLabels(dep))) {
      const key = `${namespaceOf(dep.json)}|${k}=${v}`;
      const list = deploymentsByLabel.get(key);
      if (list) list.push(dep);
      else deploymentsByLabel.set(key, [dep]);
    }
  }

  // DestinationRules: subsets by Service, and two rules for one host in one namespace.
  const subsetsByService = new Map<string, Map<string, { labels: Record<string, string>; dr: Obj }>>();
  const drByHost = new Map<string, Obj>();
  for (const dr of drs) {
    const spec = dr.json.spec ?? {};
    if (typeof spec.host !== 'string' || spec.host === '') continue;
    const ns = namespaceOf(dr.json);
    const key = serviceKey(spec.host, ns);
    const subsets = subsetsByService.get(key) ?? new Map();
    for (const subset of Array.isArray(spec.subsets) ? spec.subsets : []) {
      if (subset && typeof subset.name === 'string') subsets.set(subset.name, { labels: subset.labels ?? {}, dr });
    }
    subsetsByService.set(key, subsets);
    // Istio merges DestinationRules of one namespace for one host (no workload selector):
    // subsets are combined, the first rule's top-level traffic policy wins. No analyzer code.
    if (spec.workloadSelector) continue;
    for (const scope of visibility(spec.exportTo, ns)) {
      const hostKey = `${ns}|${scope}|${fqdn(spec.host, ns)}`;
      const other = drByHost.get(hostKey);
      if (other && other.source !== dr.source) {
        add(Severity.WARNING, 'duplicate-destination-rule', dr, `another DestinationRule (${other.source}) also configures host ${show(spec.host)} in namespace ${show(ns)}; `
          + 'Istio merges them: subsets are combined and only one top-level traffic policy applies; merge them into one');
        break;
      }
      drByHost.set(hostKey, dr);
    }
  }

  // Subsets that select no Deployment (analyzer IST0173 DestinationRuleSubsetNotSelectPods), for
  // Services among the objects: pods of other Services may be deployed elsewhere.
  for (const [key, subsets] of subsetsByService) {
    for (const [name, { labels, dr }] of subsets) {
      const pods = podsOf(key, labels);
      if (pods !== undefined && pods.length === 0) {
        add(Severity.ERROR, 'subset-selects-nothing', dr, `The Subset ${name} defined in the DestinationRule does not select any pods (IST0173), which leads to 503 UH (NoHealthyUpstream); `
          + `deploy the version with labels ${JSON.stringify(labels)}, or remove the subset`);
      }
    }
  }

  // Istio Gateways by namespace/name, for the hosts of the VirtualServices bound to them.
  const gateways = new Map<string, Obj>();
  for (const o of objects) {
    if (isIstio(o.json, 'Gateway')) gateways.set(`${namespaceOf(o.json)}/${o.json.metadata?.name}`, o);
  }

  // VirtualServices.
  const hostClaims = new HostClaims();
  for (const vs of vss) {
    const spec = vs.json.spec ?? {};
    const ns = namespaceOf(vs.json);
    const gatewayRefs: string[] = Array.isArray(spec.gateways) ? spec.gateways.filter((g: unknown) => typeof g === 'string') : [];

    // Two VirtualServices claiming one host, seen from one namespace, at one gateway
    // (analyzer IST0109 ConflictingMeshGatewayVirtualServiceHosts for the mesh).
    for (const host of Array.isArray(spec.hosts) ? spec.hosts : []) {
      if (typeof host !== 'string') continue;
      for (const gw of gatewayRefs.length === 0 ? [MESH_GATEWAY] : gatewayRefs) {
        const gateway = gw === MESH_GATEWAY || gw.includes('/') ? gw : `${ns}/${gw}`;
        const other = hostClaims.claim(gateway, visibility(spec.exportTo, ns), fqdn(host, ns), vs);
        if (other) {
          const code = gw === MESH_GATEWAY ? ' (IST0109)' : '';
          add(Severity.ERROR, 'conflicting-host', vs, `host ${JSON.stringify(host)} at gateway ${JSON.stringify(gw)} is also claimed by ${other.source}; Istio would pick one unpredictably${code}; give each host one VirtualService`);
        }
      }
    }

    // A Gateway among the objects that serves none of the hosts (analyzer IST0132 VirtualServiceHostNotFoundInGateway).
    gatewayRefs.forEach((gw, i) => {
      const gateway = gw === MESH_GATEWAY ? undefined : gateways.get(gw.includes('/') ? gw : `${ns}/${gw}`);
      const hosts: string[] = (Array.isArray(spec.hosts) ? spec.hosts : []).filter((h: unknown) => typeof h === 'string');
      if (!gateway || hosts.length === 0) return;
      const served = gatewayHosts(gateway.json, ns);
      if (!served.some(g => hosts.some(h => hostsMatch(g, h)))) {
        add(Severity.WARNING, 'gateway-host', vs, `gateways[${i}]: none of the hosts ${JSON.stringify(hosts)} is served by Gateway ${gateway.source} `
          + `(its hosts for namespace ${ns}: ${served.length ? served.join(', ') : 'none'}) (IST0132); add the host to a server of the Gateway, or fix the VirtualService's hosts`);
      }
    });

    // Subsets referenced but not defined (analyzer IST0101 ReferencedResourceNotFound).
    (Array.isArray(spec.http) ? spec.http : []).forEach((rule: any, i: number) => {
      if (!rule || typeof rule !== 'object') return;
      const where = `http[${i}]${rule.name ? ` (${rule.name})` : ''}`;
      const route: any[] = Array.isArray(rule.route) ? rule.route : [];
      const targets = [...route.map(d => ({ d: d?.destination, weight: d?.weight, what: 'routes to' })),
        ...(rule.mirror ? [{ d: rule.mirror, weight: undefined, what: 'mirrors to' }] : []),
        ...((Array.isArray(rule.mirrors) ? rule.mirrors : []).map((m: any) => ({ d: m?.destination, weight: undefined, what: 'mirrors to' })))];
      for (const { d, weight, what } of targets) {
        if (typeof d?.host !== 'string') continue;
        checkPort(d, where, what, vs);
        if (!d.subset) continue;
        const key = serviceKey(d.host, ns);
        const subsets = subsetsByService.get(key);
        if (!subsets?.has(d.subset)) {
          add(Severity.ERROR, 'subset-not-found', vs, `${where} ${what} subset ${JSON.stringify(d.subset)} of host ${JSON.stringify(d.host)}, which no DestinationRule defines (IST0101); add the version to the service, or remove the route`);
          continue;
        }
        // A routed subset whose Deployments run no pods: 503 "no healthy upstream".
        const pods = podsOf(key, subsets.get(d.subset)!.labels);
        if (what === 'routes to' && pods !== undefined && pods.length > 0 && pods.every(p => p.json.spec?.replicas === 0) && (weight ?? 100) > 0) {
          add(Severity.ERROR, 'subset-zero-replicas', vs, `${where} sends traffic to subset ${JSON.stringify(d.subset)} of ${JSON.stringify(key.split('/')[1])}, whose Deployments have 0 replicas; scale it up first, or send it no traffic`);
        }
      }
    });
  }
  checkDelegation(vss, add);
  checkJwtClaimRoutes(objects, vss, add);
  checkDestinationRuleHosts(objects, drs, (dr, message) => add(Severity.WARNING, 'destination-rule-host-not-found', dr, message));
  return findings;

  /**
   * The destination port among the Service's ports, and given when it has several (analyzer
   * IST0112 VirtualServiceDestinationPortSelectorRequired, IST0101 for host:port), for Services
   * among the objects.
   */
  function checkPort(d: any, where: string, what: string, vs: Obj): void {
    const svc = services.get(serviceKey(d.host, namespaceOf(vs.json)));
    const ports: number[] = (Array.isArray(svc?.json.spec?.ports) ? svc!.json.spec.ports : []).map((p: any) => p?.port);
    if (!svc || ports.length === 0) return;
    const port = d.port?.number;
    if (port === undefined && ports.length > 1) {
      add(Severity.ERROR, 'destination-port', vs, `${where} ${what} ${JSON.stringify(d.host)}, which exposes ports ${ports.join(', ')}: `
        + 'name the port in the destination (IST0112)');
    } else if (port !== undefined && !ports.includes(port)) {
      add(Severity.ERROR, 'destination-port', vs, `${where} ${what} port ${port} of ${JSON.stringify(d.host)}, which exposes only ${ports.join(', ')} (IST0101); use one of them`);
    }
  }

  /** The Deployments behind a subset of a Service (`ns/name`), or undefined when the Service is not among the objects. */
  function podsOf(key: string, labels: Record<string, string>): Obj[] | undefined {
    const svc = services.get(key);
    if (!svc) return undefined;
    const ns = key.split('/')[0];
    // Node topology labels (region, zone, subzone, hostname) are added to endpoints from the
    // node a pod runs on (Istio's analyzer does so from the Nodes; our input has none): not
    // matched against the pod template.
    const own = Object.fromEntries(Object.entries(labels).filter(([k]) => !NODE_TOPOLOGY_LABELS.includes(k)));
    const selector: Record<string, string> = { ...(svc.json.spec?.selector ?? {}), ...own };
    // Candidates: the Deployments carrying the selector's rarest label, then an exact check.
    let candidates: Obj[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const withLabel = deploymentsByLabel.get(`${ns}|${k}=${v}`) ?? [];
      if (!candidates || withLabel.length < candidates.length) candidates = withLabel;
    }
    return (candidates ?? deploymentsByNamespace.get(ns) ?? [])
      .filter(dep => Object.entries(selector).every(([k, v]) => podLabels(dep)[k] === v));
  }
}

/**
 * JWT-claim routes without a RequestAuthentication (analyzer IST0149
 * JwtClaimBasedRoutingWithoutRequestAuthN): the claims exist only on requests a
 * RequestAuthentication validated, so without one the match never holds. Istio checks the
 * gateway's workloads; offline, a warning when the input holds no RequestAuthentication at all
 * (it may be applied separately).
 */
function checkJwtClaimRoutes(objects: Obj[], vss: Obj[], add: (severity: Severity, rule: string, o: Obj, message: string) => void): void {
  if (objects.some(o => o.json?.kind === 'RequestAuthentication' && String(o.json?.apiVersion ?? '').startsWith('security.istio.io/'))) return;
  for (const vs of vss) {
    const http: any[] = Array.isArray(vs.json.spec?.http) ? vs.json.spec.http : [];
    http.forEach((route, i) => {
      const matches: any[] = Array.isArray(route?.match) ? route.match : [];
      const claims = matches.flatMap(m => [...Object.keys(m?.headers ?? {}), ...Object.keys(m?.withoutHeaders ?? {})])
        .filter(k => /^@request\.auth\.claims[.[]/i.test(k));
      if (claims.length > 0) {
        add(Severity.WARNING, 'jwt-claim-without-request-authentication', vs, `http[${i}] routes on JWT claim ${claims[0]}, but the input holds no RequestAuthentication `
          + '(IST0149): without one, no request carries validated claims and the match never holds; apply a RequestAuthentication to the gateway\'s workloads');
      }
    });
  }
}

/** The labels Istio adds to an endpoint from its node (pilot's AugmentLabels; the IST0173 analyzer reads them from Nodes). */
const NODE_TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone', 'kubernetes.io/hostname'];

/**
 * Which VirtualService claims each host at each gateway, per visibility scope (`*` or a
 * namespace), as Istio's IST0109 analyzer sees them: two claims clash when their scopes are
 * equal and their hosts too, or when one is exported everywhere and the other to namespaces
 * and their hosts overlap (wildcards included). Wildcard overlaps are found through indexes of
 * host suffixes, so each claim costs its number of labels.
 */
class HostClaims {
  private readonly exact = new Map<string, Obj>();
  /** Public (`*`) and scoped claims: `${gateway}|${host}` and by wildcard key and by suffix. */
  private readonly claims = {
    public: { host: new Map<string, Obj>(), wildcard: new Map<string, Obj>(), suffix: new Map<string, Obj>() },
    scoped: { host: new Map<string, Obj>(), wildcard: new Map<string, Obj>(), suffix: new Map<string, Obj>() },
  };

  /** Records the claims; returns another VirtualService that claims the host where this one does. */
  public claim(gateway: string, scopes: string[], host: string, vs: Obj): Obj | undefined {
    let clash: Obj | undefined;
    const consider = (other: Obj | undefined) => {
      if (!clash && other && other.source !== vs.source) clash = other;
    };
    const wildcard = host.startsWith('*') ? host.slice(1) : undefined;
    const suffixes = hostSuffixes(host);
    for (const scope of scopes) {
      const key = `${gateway}|${host}|${scope}`;
      consider(this.exact.get(key));
      if (!this.exact.has(key)) this.exact.set(key, vs);
      // The other kind of claim: scoped against public and public against scoped, hosts overlapping.
      const other = scope === '*' ? this.claims.scoped : this.claims.public;
      consider(other.host.get(`${gateway}|${host}`));
      if (wildcard !== undefined) consider(other.suffix.get(`${gateway}|${wildcard}`));
      for (const suffix of suffixes) consider(other.wildcard.get(`${gateway}|${suffix}`));
      const own = scope === '*' ? this.claims.public : this.claims.scoped;
      setFirst(own.host, `${gateway}|${host}`, vs);
      if (wildcard !== undefined) setFirst(own.wildcard, `${gateway}|${wildcard}`, vs);
      for (const suffix of suffixes) setFirst(own.suffix, `${gateway}|${suffix}`, vs);
    }
    return clash;
  }
}

/** The suffixes a wildcard can stand for: `a.b.c` and `*.b.c` give `.b.c`, `.c` and `` (for `*`). */
function hostSuffixes(host: string): string[] {
  const text = host.startsWith('*') ? host.slice(1) : `.${host}`;
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) if (text[i] === '.') out.push(text.slice(i));
  out.push('');
  return out;
}

function setFirst(map: Map<string, Obj>, key: string, vs: Obj): void {
  if (!map.has(key)) map.set(key, vs);
}

/**
 * The hosts an Istio Gateway serves to VirtualServices of `namespace`: server hosts written
 * `<namespace>/<host>` count for that namespace (`.`: the Gateway's, `*`: every one).
 */
function gatewayHosts(gateway: any, namespace: string): string[] {
  const own = namespaceOf(gateway);
  const out: string[] = [];
  for (const server of Array.isArray(gateway.spec?.servers) ? gateway.spec.servers : []) {
    for (const h of Array.isArray(server?.hosts) ? server.hosts : []) {
      if (typeof h !== 'string') continue;
      const slash = h.indexOf('/');
      if (slash < 0) {
        out.push(h);
        continue;
      }
      const ns = h.slice(0, slash) === '.' ? own : h.slice(0, slash);
      if (ns === '*' || ns === namespace) out.push(h.slice(slash + 1));
    }
  }
  return out;
}

function podLabels(dep: Obj): Record<string, string> {
  return dep.json.spec?.template?.metadata?.labels ?? {};
}
