import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { Severity } from './severity';
import { loadManifests } from '../internal/manifest-files';
import { OWNED } from '../internal/owned';
import { MAX_REGEX_LENGTH, regexError } from '../internal/regex';
import { isDns1123Label, isHttpToken } from '../internal/validation';
import { MESH_GATEWAY } from '../model/_util';

/** One problem found in the routing objects. */
export interface Finding {
  /** How serious it is. */
  readonly severity: Severity;
  /** The rule's identifier, e.g. `subset-not-found`. */
  readonly rule: string;
  /** The object: construct path, or `<kind>/<name>` for plain manifests. */
  readonly source: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A Kubernetes object and where it comes from. */
interface Obj {
  readonly json: any;
  readonly source: string;
}

const PSEUDO_HEADERS = [':method', ':scheme', ':authority', ':path', ':status'];
const VS = 'VirtualService';
const DR = 'DestinationRule';

/**
 * The rules Istio's validating webhook and `istioctl analyze` apply to VirtualServices and
 * DestinationRules, run offline on synthesized objects: our constructs' output, hand-written
 * `ApiObject`s and `Include`d YAML alike. cdk8s-plus Deployments are read from the construct
 * (name, replicas, pod labels), so a JSON patch to those fields of one is not seen. When every
 * routing object of the scope comes from our constructs unpatched, only the rules that span
 * services run: the constructs have checked each object already.
 *
 * Every service construct registers it on its chart, so `app.synth()` fails on errors and
 * prints warnings. Call it yourself on charts with hand-written routing objects.
 */
export class RoutingAnalyzer {
  /**
   * Context key that turns off the automatic analysis at synth when set to `false`, e.g.
   * `app.node.setContext(RoutingAnalyzer.CONTEXT_KEY, false)` right after `new App()`. For
   * meshes of thousands of services that run `RoutingAnalyzer.validate()` or
   * `cdk8s-canary check` in CI instead. The constructs' own checks still run.
   */
  public static readonly CONTEXT_KEY = 'cdk8s-canary:analyze';

  /**
   * Analyzes every VirtualService, DestinationRule, Service and Deployment under `scope`
   * (an App, a Chart or any construct).
   */
  public static analyze(scope: IConstruct): Finding[] {
    const entries: Array<{ c: IConstruct; json?: any; summary?: () => any }> = [];
    const done = new Set<IConstruct>();
    let foreign = false;
    for (const c of scope.node.findAll()) {
      if (c instanceof kplus.Deployment || (c instanceof kplus.Service && OWNED.has(c))) {
        // Read from the construct: resolving a whole cdk8s-plus Deployment costs as much as
        // synthesizing it, and the rules need only its name, replicas and pod labels.
        const d = c;
        entries.push({ c, summary: d instanceof kplus.Deployment ? () => deploymentSummary(d) : () => ApiObject.of(d).toJson() });
        done.add(ApiObject.of(c));
        foreign ||= !OWNED.has(c);
        continue;
      }
      if (!(c instanceof ApiObject) || done.has(c) || !KINDS.has(c.kind)) continue;
      // Our own routing objects render their JSON from the model unless patched.
      const json = typeof (c as any)._analysisJson === 'function' ? (c as any)._analysisJson() : undefined;
      entries.push({ c, json, summary: () => c.toJson() });
      foreign ||= json === undefined;
    }
    if (!foreign) {
      // Every routing object is ours and unpatched: the constructs checked each of them when
      // they were built; only hosts can clash between services.
      return analyzeObjects(entries.filter(e => e.json?.kind === VS).map(e => ({
        json: { ...e.json, spec: { hosts: e.json.spec.hosts, gateways: e.json.spec.gateways } },
        source: e.c.node.path,
      })));
    }
    return analyzeObjects(entries.map(e => ({ json: e.json ?? e.summary!(), source: e.c.node.path })));
  }

  /**
   * Analyzes plain Kubernetes objects (as parsed from YAML), e.g. a synthesized directory.
   */
  public static analyzeManifests(manifests: any[]): Finding[] {
    return analyzeObjects((manifests ?? []).filter(m => m && typeof m === 'object').map(json => ({
      json,
      source: `${json.kind}/${json.metadata?.namespace ? `${json.metadata.namespace}/` : ''}${json.metadata?.name}`,
    })));
  }

  /**
   * Analyzes the objects of YAML files and directories (directories are searched
   * recursively for `*.yaml` and `*.yml`), e.g. `['dist']` after `cdk8s synth`.
   *
   * Throws, naming the file, when a path does not exist or cannot be read, when a file is not
   * valid YAML (with the document and the offending line) or holds a document that is not a
   * Kubernetes object.
   *
   * @param paths YAML files and directories; at least one
   */
  public static analyzeFiles(paths: string[]): Finding[] {
    if (!Array.isArray(paths) || paths.length === 0) {
      throw new Error(`RoutingAnalyzer.analyzeFiles: paths must list at least one file or directory, got ${JSON.stringify(paths)}`);
    }
    return RoutingAnalyzer.analyzeManifests(loadManifests(paths));
  }

  /**
   * Analyzes `scope`, prints warnings to stderr and throws an Error listing every error.
   */
  public static validate(scope: IConstruct): void {
    const findings = RoutingAnalyzer.analyze(scope);
    for (const w of findings.filter(f => f.severity === Severity.WARNING)) {
      process.stderr.write(`Warning: ${w.source}: ${w.message} [${w.rule}]\n`);
    }
    const errors = findings.filter(f => f.severity === Severity.ERROR);
    if (errors.length > 0) {
      throw new Error(`routing validation failed:\n${errors.map(e => `  ${e.source}: ${e.message} [${e.rule}]`).join('\n')}`);
    }
  }

  /**
   * Registers the analysis as a validation of the chart (or app) that holds `scope`, once:
   * `app.synth()` then reports errors with their paths and prints warnings. Does nothing
   * when the context `RoutingAnalyzer.CONTEXT_KEY` is `false`.
   */
  public static register(scope: IConstruct): void {
    const target = Chart.isChart(scope) ? scope : chartOf(scope);
    if (REGISTERED.has(target)) return;
    const enabled = target.node.tryGetContext(RoutingAnalyzer.CONTEXT_KEY);
    if (enabled === false || enabled === 'false') return;
    REGISTERED.add(target);
    target.node.addValidation({
      validate: () => {
        // cdk8s validates twice in one synth (App.synth/synthYaml, then Chart.toJson), synchronously:
        // reuse the findings within the same task while the tree has as many constructs.
        const size = target.node.findAll().length;
        let memo = MEMO.get(target);
        if (!memo || memo.size !== size) {
          memo = { size, findings: RoutingAnalyzer.analyze(target) };
          MEMO.set(target, memo);
          queueMicrotask(() => MEMO.delete(target));
          for (const w of memo.findings.filter(f => f.severity === Severity.WARNING)) {
            process.stderr.write(`Warning: ${w.source}: ${w.message} [${w.rule}]\n`);
          }
        }
        const findings = memo.findings;
        return findings.filter(f => f.severity === Severity.ERROR).map(e => `${e.source}: ${e.message} [${e.rule}]`);
      },
    });
  }
}

const REGISTERED = new WeakSet<IConstruct>();
const MEMO = new WeakMap<IConstruct, { size: number; findings: Finding[] }>();
const KINDS = new Set(['VirtualService', 'DestinationRule', 'Service', 'Deployment']);

function deploymentSummary(d: kplus.Deployment): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name },
    spec: { replicas: d.replicas, template: { metadata: { labels: d.podMetadata.toJson().labels ?? {} } } },
  };
}

function chartOf(scope: IConstruct): IConstruct {
  try {
    return Chart.of(scope);
  } catch {
    return App.of(scope);
  }
}

// ---------------------------------------------------------------------------------------
// The rules. Each cites the Istio code it follows (istio/istio, release 1.30):
// webhook: pkg/config/validation/validation.go (validateVirtualService, validateHTTPRoute,
// validateDestinationRule); analyzers: pkg/config/analysis/analyzers/...
// ---------------------------------------------------------------------------------------

function analyzeObjects(objects: Obj[]): Finding[] {
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
