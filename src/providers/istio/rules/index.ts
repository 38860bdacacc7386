// Istio's rules for VirtualServices and DestinationRules (webhook validation and
// `istioctl analyze` analyzers), run offline by RoutingAnalyzer.
import { AnalyzedObject as Obj } from '../../../analyzer/_objects';
import { Finding, Severity } from '../../../analyzer/finding';
import { MAX_REGEX_LENGTH, regexError } from '../../../internal/regex';
import { isDns1123Label, isHttpToken } from '../../../internal/validation';
import { MESH_GATEWAY } from '../../../model/_util';

const PSEUDO_HEADERS = [':method', ':scheme', ':authority', ':path', ':status'];
const VS = 'VirtualService';
const DR = 'DestinationRule';

// ---------------------------------------------------------------------------------------
// The rules. Each cites the Istio code it follows (istio/istio, release 1.30):
// webhook: pkg/config/validation/validation.go (validateVirtualService, validateHTTPRoute,
// validateDestinationRule); analyzers: pkg/config/analysis/analyzers/...
// ---------------------------------------------------------------------------------------

export function analyzeIstio(objects: Obj[]): Finding[] {
  const findings: Finding[] = [];
  const add = (severity: Severity, rule: string, o: Obj, message: string) => findings.push({ severity, rule, source: o.source, message });
  const istio = (o: Obj, kind: string) => o.json?.kind === kind && typeof o.json?.apiVersion === 'string' && o.json.apiVersion.startsWith('networking.istio.io/');
  const vss = objects.filter(o => istio(o, VS));
  const drs = objects.filter(o => istio(o, DR));
  const deployments = objects.filter(o => o.json?.kind === 'Deployment');
  const services = objects.filter(o => o.json?.kind === 'Service' && o.json?.apiVersion === 'v1');
  const serviceByName = new Map(services.map(o => [o.json.metadata?.name as string, o]));
  const deploymentsByLabel = new Map<string, Obj[]>();
  for (const dep of deployments) {
    for (const [k, v] of Object.entries(podLabels(dep))) {
      const key = `${k}=${v}`;
      const list = deploymentsByLabel.get(key);
      if (list) list.push(dep);
      else deploymentsByLabel.set(key, [dep]);
    }
  }

  // DestinationRules: subset names and duplicates (webhook: validateDestinationRule).
  const subsetsByHost = new Map<string, Map<string, { labels: Record<string, string>; dr: Obj }>>();
  for (const dr of drs) {
    const spec = dr.json.spec ?? {};
    const host = shortHost(spec.host, dr.json.metadata?.namespace);
    const seen = new Map<string, { labels: Record<string, string>; dr: Obj }>();
    for (const subset of spec.subsets ?? []) {
      // validateSubsetName: a DNS-1123 label, upper case allowed.
      if (!isDns1123Label(typeof subset?.name === 'string' ? subset.name.toLowerCase() : subset?.name)) {
        add(Severity.ERROR, 'subset-name', dr, `subset name ${JSON.stringify(subset?.name)} is invalid: it must be a DNS-1123 label (letters, digits, '-', at most 63); rename the subset`);
      }
      if (seen.has(subset?.name)) {
        add(Severity.ERROR, 'duplicate-subset', dr, `duplicate subset names: ${subset.name}; remove one`);
      }
      seen.set(subset?.name, { labels: subset?.labels ?? {}, dr });
    }
    if (host) {
      if (subsetsByHost.has(host)) {
        add(Severity.WARNING, 'duplicate-destination-rule', dr, `another DestinationRule also configures host ${JSON.stringify(host)}; Istio uses only one of them (IST0174); merge them`);
      }
      subsetsByHost.set(host, new Map([...(subsetsByHost.get(host) ?? []), ...seen]));
    }
  }

  // Subsets that select no Deployment of the chart (analyzer IST0173 DestinationRuleSubsetNotSelectPods),
  // for hosts whose Service is in the chart: pods of other hosts may be deployed elsewhere.
  for (const [host, subsets] of subsetsByHost) {
    for (const [name, { labels, dr }] of subsets) {
      const pods = podsOf(host, labels);
      if (pods !== undefined && pods.length === 0) {
        add(Severity.ERROR, 'subset-selects-nothing', dr, `The Subset ${name} defined in the DestinationRule does not select any pods (IST0173), which leads to 503 UH (NoHealthyUpstream); `
          + `deploy the version with labels ${JSON.stringify(labels)}, or remove the subset`);
      }
    }
  }

  // VirtualServices.
  const hostOwners = new Map<string, Obj>();
  for (const vs of vss) {
    const spec = vs.json.spec ?? {};
    const ns = vs.json.metadata?.namespace;
    const gateways: string[] = spec.gateways ?? [];
    const boundToMesh = gateways.length === 0 || gateways.includes(MESH_GATEWAY);

    // Two VirtualServices claiming one host for the same gateway (analyzer IST0109 ConflictingMeshGatewayVirtualServiceHosts).
    for (const host of spec.hosts ?? []) {
      for (const gw of gateways.length === 0 ? [MESH_GATEWAY] : gateways) {
        const key = `${gw}|${shortHost(host, ns)}`;
        const other = hostOwners.get(key);
        if (other && other.source !== vs.source) {
          add(Severity.ERROR, 'conflicting-host', vs, `host ${JSON.stringify(host)} at gateway ${JSON.stringify(gw)} is also claimed by ${other.source}; Istio would pick one unpredictably (IST0109); give each host one VirtualService`);
        }
        hostOwners.set(key, vs);
      }
    }

    const seenMatches: string[] = [];
    let catchAllAt = -1;
    (spec.http ?? []).forEach((rule: any, i: number) => {
      const where = `http[${i}]${rule?.name ? ` (${rule.name})` : ''}`;
      const route: any[] = rule?.route ?? [];

      // A rule must do something (webhook: validateHTTPRoute "HTTP route or redirect or direct response is required").
      if (route.length === 0 && !rule?.redirect && !rule?.directResponse && !rule?.delegate) {
        add(Severity.ERROR, 'route-destination', vs, `${where} has no route, redirect, directResponse or delegate; add a destination`);
      }
      // Weights (webhook: validateHTTPRouteDestinations): non-negative, not all zero; sums of 100 for older releases.
      const weights = route.map(d => d?.weight ?? (route.length === 1 ? 100 : 0));
      weights.forEach((w, j) => {
        if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) {
          add(Severity.ERROR, 'weight-range', vs, `${where} route[${j}] weight must be a non-negative integer, got ${JSON.stringify(w)}`);
        }
      });
      const total = weights.reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
      if (route.length > 1 && total === 0) {
        add(Severity.ERROR, 'weight-all-zero', vs, `${where} gives every destination weight 0, so no request can be routed; give one destination a positive weight`);
      } else if (route.length > 1 && total !== 100) {
        add(Severity.WARNING, 'weight-sum', vs, `${where} weights add up to ${total}, not 100; Istio releases before 1.20 rejected this and the shares are hard to read; make them add up to 100`);
      }
      // Mirror (webhook: validateHTTPRoute mirror checks).
      if (rule?.mirror && rule?.mirrors) {
        add(Severity.ERROR, 'mirror-and-mirrors', vs, `${where} sets both mirror and mirrors; use one of them`);
      }
      const mirrorPercents = [rule?.mirrorPercentage?.value, ...((rule?.mirrors ?? []).map((m: any) => m?.percentage?.value))];
      for (const p of mirrorPercents) {
        if (p !== undefined && (typeof p !== 'number' || p < 0 || p > 100)) {
          add(Severity.ERROR, 'mirror-percent', vs, `${where} mirror percentage must be from 0 to 100, got ${JSON.stringify(p)}`);
        }
      }
      // Matches: header names, regexes (webhook: validateHTTPRouteMatchRequest, validateStringMatchRegexp).
      for (const [k, m] of (rule?.match ?? []).entries()) {
        const at = `${where} match[${k}]`;
        for (const field of ['headers', 'withoutHeaders'] as const) {
          for (const [name, sm] of Object.entries<any>(m?.[field] ?? {})) {
            const isClaim = /^@request\.auth\.claims[.[]/i.test(name);
            // ValidateHTTPHeaderNameOrJwtClaimRoute: a token (or a pseudo-header); Istio's docs ask for lower case.
            if (!isClaim && !isHttpToken(name) && !PSEUDO_HEADERS.includes(name)) {
              add(Severity.ERROR, 'header-name', vs, `${at} ${field}: header name ${JSON.stringify(name)} is not a valid header name (an RFC 7230 token)`);
            } else if (!isClaim && name !== name.toLowerCase()) {
              add(Severity.WARNING, 'header-name-case', vs, `${at} ${field}: header name ${JSON.stringify(name)} is not lower case, as Istio's API requires; Envoy ignores the case, write it as ${JSON.stringify(name.toLowerCase())}`);
            }
            // ValidateVirtualService (1.24+): JWT claims only in a VirtualService bound to gateways and not to mesh.
            if (isClaim && boundToMesh) {
              add(Severity.ERROR, 'jwt-claim-gateway', vs, `${at} uses JWT claim based routing (key: ${name}), which is only supported for gateway; `
                + 'bind the VirtualService to ingress gateways only (no mesh)');
            }
            checkRegex(sm, `${at} ${field}.${name}`, vs);
          }
        }
        checkRegex(m?.uri, `${at} uri`, vs);
        checkRegex(m?.authority, `${at} authority`, vs);
        checkRegex(m?.method, `${at} method`, vs);
        for (const [name, sm] of Object.entries<any>(m?.queryParams ?? {})) checkRegex(sm, `${at} queryParams.${name}`, vs);
      }
      // Unreachable rules (webhook warning from validateHTTPRoute's analyzeUnreachableHTTPRules).
      const matchKeys = (rule?.match ?? []).map((m: any) => stableKey(m));
      if (catchAllAt >= 0) {
        add(Severity.WARNING, 'unreachable-rule', vs, `virtualService rule ${ruleLabel(rule, i)} not used (route without matches defined before) (IST0130); `
          + `http[${catchAllAt}] matches every request: move this rule before it, or remove it`);
      } else {
        for (const key of matchKeys) {
          if (seenMatches.includes(key)) {
            add(Severity.WARNING, 'ineffective-match', vs, `virtualService rule ${ruleLabel(rule, i)} has a match that is not used (duplicate match in an earlier rule) (IST0131); remove the duplicate`);
          }
        }
      }
      seenMatches.push(...matchKeys);
      if (matchKeys.length === 0 || (rule?.match ?? []).some((m: any) => isEmptyMatch(m))) {
        if (catchAllAt < 0) catchAllAt = i;
      }

      // Subsets referenced but not defined (analyzer IST0101 ReferencedResourceNotFound).
      const targets = [...route.map(d => ({ d: d?.destination, what: 'routes to' })),
        ...(rule?.mirror ? [{ d: rule.mirror, what: 'mirrors to' }] : []),
        ...((rule?.mirrors ?? []).map((m: any) => ({ d: m?.destination, what: 'mirrors to' })))];
      for (const { d, what } of targets) {
        if (!d?.subset) continue;
        const host = shortHost(d.host, ns);
        const subsets = subsetsByHost.get(host);
        if (!subsets?.has(d.subset)) {
          add(Severity.ERROR, 'subset-not-found', vs, `${where} ${what} subset ${JSON.stringify(d.subset)} of host ${JSON.stringify(d.host)}, which no DestinationRule defines (IST0101); add the version to the service, or remove the route`);
          continue;
        }
        // A routed subset whose Deployments run no pods: 503 "no healthy upstream".
        const pods = podsOf(host, subsets.get(d.subset)!.labels);
        if (what === 'routes to' && pods !== undefined && pods.length > 0 && pods.every(p => p.json.spec?.replicas === 0)
          && (route.find(r => r?.destination === d)?.weight ?? 100) > 0) {
          add(Severity.ERROR, 'subset-zero-replicas', vs, `${where} sends traffic to subset ${JSON.stringify(d.subset)} of ${JSON.stringify(host)}, whose Deployments have 0 replicas; scale it up first, or send it no traffic`);
        }
      }
    });
  }
  return findings;

  /** The Deployments behind a subset, or undefined when the host's Service is not among the objects. */
  function podsOf(host: string, labels: Record<string, string>): Obj[] | undefined {
    const svc = serviceByName.get(host);
    if (!svc) return undefined;
    const selector = { ...(svc.json.spec?.selector ?? {}), ...labels };
    // Candidates: the Deployments carrying the selector's rarest label, then an exact check.
    let candidates: Obj[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const withLabel = deploymentsByLabel.get(`${k}=${v}`) ?? [];
      if (!candidates || withLabel.length < candidates.length) candidates = withLabel;
    }
    return (candidates ?? deployments).filter(dep => matchesLabels(podLabels(dep), selector));
  }

  function checkRegex(sm: any, where: string, o: Obj): void {
    if (!sm || typeof sm !== 'object' || typeof sm.regex !== 'string') return;
    if (Buffer.byteLength(sm.regex, 'utf8') > MAX_REGEX_LENGTH) {
      add(Severity.ERROR, 'regex-length', o, `${where}: regex is too large, max length allowed is ${MAX_REGEX_LENGTH} bytes`);
      return;
    }
    const error = regexError(sm.regex);
    if (error) add(Severity.ERROR, 'regex-syntax', o, `${where}: regex ${JSON.stringify(sm.regex)} is not valid RE2 (Istio uses RE2 style regex-based match): ${error}`);
  }
}

/** The service name a host refers to in the object's namespace (reviews, reviews.ns, reviews.ns.svc.cluster.local). */
function shortHost(host: unknown, namespace?: string): string {
  if (typeof host !== 'string') return '';
  const parts = host.split('.');
  if (parts.length === 1) return host;
  if (parts.length >= 2 && (namespace === undefined || parts[1] === namespace) && (parts.length === 2 || parts[2] === 'svc')) return parts[0];
  return host;
}

function ruleLabel(rule: any, i: number): string {
  return rule?.name ? JSON.stringify(rule.name) : `#${i}`;
}

function isEmptyMatch(m: any): boolean {
  return !m || Object.keys(m).filter(k => k !== 'name').length === 0;
}

function stableKey(value: any): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter(k => k !== 'name').sort().map(k => `${k}:${stableKey(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function podLabels(dep: Obj): Record<string, string> {
  return dep.json.spec?.template?.metadata?.labels ?? {};
}

function matchesLabels(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
