// A toy provider (test-only, not exported): it follows docs/ARCHITECTURE.md's "Adding a provider"
// and touches nothing outside this folder but the registry, which it joins at run time.
// It renders one `ToySplit` object per service: the host and the default rule's weights.
import { ApiObject, Lazy } from 'cdk8s';
import { Severity } from '../../../src/analyzer/finding';
import { FindingKind, TransitionFinding } from '../../../src/gitops/transition-finding';
import { ProviderContext, ProviderImpl, RenderedPreview, RenderedRouting } from '../../../src/providers/_provider';
import { ProviderPlugin } from '../../../src/providers/plugin';
import { hostKey } from '../../../src/reading/hosts';
import { deploymentsOf, ObjectIndex, RoutingInfo } from '../../../src/reading/object-index';
import { idOf, namespaceOf, waveOf } from '../../../src/reading/objects';

export const TOY = 'toy';
const API_VERSION = 'toy.example.com/v1';

class ToyProvider implements ProviderImpl {
  public readonly displayName = 'the toy provider';

  public checkService(): void {}

  public checkRule(_ctx: ProviderContext, rule: { matches?: unknown[] }, what: string, who: string): void {
    if ((rule.matches ?? []).length > 0) throw new Error(`${who}: ${this.displayName} cannot route matched requests (${what}); use TrafficProvider.istio()`);
  }

  public render(ctx: ProviderContext): RenderedRouting {
    const split = new ApiObject(ctx.scope, 'ToySplit', {
      apiVersion: API_VERSION,
      kind: 'ToySplit',
      metadata: { name: ctx.name },
      spec: Lazy.any({
        produce: () => {
          const rule = ctx.routing().rules.find(r => (r.matches ?? []).length === 0);
          return {
            host: ctx.name,
            versions: ctx.routing().versions.map(v => v.version),
            weights: Object.fromEntries((rule?.destinations ?? []).map(d => [d.version, d.weight])),
          };
        },
      }),
    });
    return { objects: [split], primary: split };
  }

  public renderPreviewHost(ctx: ProviderContext): RenderedPreview {
    throw new Error(`${ctx.who}: ${this.displayName} cannot serve a preview host`);
  }
}

/** Reads ToySplits: one routing each, its weights the default rule. */
function readToy(objects: any[], index: ObjectIndex): RoutingInfo[] {
  return objects.filter(o => o.apiVersion === API_VERSION && o.kind === 'ToySplit').map(o => {
    const namespace = namespaceOf(o);
    const key = hostKey(o.spec.host, namespace);
    const versions: string[] = o.spec.versions;
    // A version is the pods labelled with it (as the constructs label them).
    index.versionLabels.set(key, new Map(versions.map(v => [v, { version: v }])));
    return {
      routing: {
        host: o.spec.host,
        versions: versions.map(version => ({ version, labels: { version } })),
        rules: [{ destinations: Object.entries(o.spec.weights as Record<string, number>).map(([version, weight]) => ({ version, weight })) }],
        source: `ToySplit ${idOf(o)}`,
      },
      key: idOf(o),
      namespace,
      hostKey: key,
      wave: waveOf(o),
      provider: TOY,
    };
  });
}

/** The toy's one transition rule: traffic to a version that runs no pods. */
function toyTransitions(_before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  for (const r of after.routings.filter(x => x.provider === TOY)) {
    for (const d of r.routing.rules[0].destinations) {
      if (d.weight > 0 && !(deploymentsOf(after, r.hostKey, d.version!) ?? []).some(x => x.replicas > 0)) {
        out.push({
          severity: Severity.ERROR,
          kind: FindingKind.ROUTED_TO_NO_REPLICAS,
          host: r.routing.host,
          version: d.version,
          message: `${r.routing.source} sends ${d.weight}% to ${d.version}, which runs no pods`,
          fix: `run ${d.version} first`,
          safeSequence: [`1) scale up ${d.version}`, '2) route to it'],
        });
      }
    }
  }
  return out;
}

export const TOY_PLUGIN: ProviderPlugin = {
  name: TOY,
  displayName: 'the toy provider',
  renderer: () => new ToyProvider(),
  read: readToy,
  transitions: { check: toyTransitions },
  capabilities: [['weighted split (canary, blue-green)', 'yes (ToySplit weights)']],
};
