import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { AnalyzedObject } from './_objects';
import { Finding, Severity } from './finding';
import { loadManifests } from '../internal/manifest-files';
import { OWNED } from '../internal/owned';
import { analyzeGatewayApi } from '../providers/gateway-api/rules';
import { analyzeIstio } from '../providers/istio/rules';

export * from './finding';

const VS = 'VirtualService';

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
        json: { ...e.json, spec: { hosts: e.json.spec.hosts, gateways: e.json.spec.gateways, exportTo: e.json.spec.exportTo } },
        source: e.c.node.path,
        checked: true,
      })));
    }
    // Our unpatched objects were checked when built: only the rules across objects apply to them.
    return analyzeObjects(entries.map(e => ({ json: e.json ?? e.summary!(), source: e.c.node.path, checked: e.json !== undefined })));
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
const KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'Service', 'Deployment', 'HTTPRoute', 'GRPCRoute', 'RequestAuthentication']);

/** Every provider's rules over the objects: the Gateway API's, then Istio's. */
function analyzeObjects(objects: AnalyzedObject[]): Finding[] {
  return [...analyzeGatewayApi(objects), ...analyzeIstio(objects)];
}

function deploymentSummary(d: kplus.Deployment): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: ApiObject.of(d).metadata.namespace },
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

