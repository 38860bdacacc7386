import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { TOY, TOY_PLUGIN } from './toy';
import { CanaryService, FindingKind, IstioReader, Severity, TrafficProvider, TransitionCheck } from '../../src';
import { main } from '../../src/cli/main';
import { PROVIDERS, ProviderRegistry } from '../../src/providers/registry';

/** The synth output of a toy-provider canary of shop at `weight`. */
function toyCanary(weight: number): any[] {
  const chart = Testing.chart();
  new CanaryService(chart, 'shop', {
    port: 8080,
    stable: { version: 'v1', image: 'shop:1' },
    canary: { version: 'v2', image: 'shop:2' },
    canaryWeight: weight,
    provider: TrafficProvider._of(TOY, {}),
  });
  return Testing.synth(chart);
}

function run(...argv: string[]): { code: number; out: string } {
  const out: string[] = [];
  const code = main(argv, { out: t => out.push(t), err: t => out.push(t) });
  return { code, out: out.join('\n') };
}

describe('a provider added as docs/ARCHITECTURE.md says: its folder plus the registry', () => {
  beforeAll(() => PROVIDERS.register(TOY_PLUGIN));
  afterAll(() => PROVIDERS.unregister(TOY));

  test('the constructs render it', () => {
    // GIVEN a canary of shop at 20% with the toy provider
    // WHEN synthesized
    const objects = toyCanary(20);
    // THEN the toy's object carries the weights, beside the Deployments and the Service
    expect(objects.find(o => o.kind === 'ToySplit')).toEqual(expect.objectContaining({
      metadata: { name: 'shop' },
      spec: { host: 'shop', versions: ['v1', 'v2'], weights: { v1: 80, v2: 20 } },
    }));
    expect(objects.filter(o => o.kind === 'Deployment')).toHaveLength(2);
  });

  test('the readers read it, and the plain-Service reader leaves its Service alone', () => {
    // GIVEN the toy's output
    const objects = toyCanary(20);
    // WHEN read by the public reader
    const read = IstioReader.read(objects);
    // THEN the one routing is the toy's, with its weights
    expect(read.routings).toEqual([expect.objectContaining({
      host: 'shop',
      source: 'ToySplit default/shop',
      rules: [{ destinations: [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }] }],
    })]);
  });

  test('explain answers from it', () => {
    // GIVEN the toy's output in a directory
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-toy-'));
    try {
      fs.writeFileSync(path.join(dir, 'shop.k8s.yaml'), Yaml.stringify(...toyCanary(20)));
      // WHEN a request for shop is explained
      const r = run('explain', dir, '--host', 'shop');
      // THEN it goes where the ToySplit says
      expect(r.code).toBe(0);
      expect(r.out).toContain('routing: ToySplit default/shop');
      expect(r.out).toMatch(/v2.*20%/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('check runs its transition rules and the core rules on its routings', () => {
    // GIVEN a step from 0% to 80%, to a canary scaled to 0 by hand
    const previous = toyCanary(0);
    const next = toyCanary(80);
    next.find(o => o.kind === 'Deployment' && o.metadata.name === 'shop-v2').spec.replicas = 0;
    // WHEN checked
    const report = TransitionCheck.check(previous, next);
    // THEN the toy's rule finds the missing pods, and the core's rule the weight jump
    expect(report.safe).toBe(false);
    expect(report.findings.map(f => [f.severity, f.kind, f.version])).toEqual([
      [Severity.ERROR, FindingKind.ROUTED_TO_NO_REPLICAS, 'v2'],
      [Severity.WARNING, FindingKind.WEIGHT_JUMP, undefined],
    ]);
  });

  test('unregistered, its objects are ignored', () => {
    // GIVEN the toy's output, the toy unregistered
    const objects = toyCanary(20);
    PROVIDERS.unregister(TOY);
    try {
      // WHEN read
      // THEN no ToySplit routing: the plain-Service reader reads the app's Service instead
      expect(IstioReader.read(objects).routings.map(r => r.source)).toEqual(['Service default/shop']);
    } finally {
      PROVIDERS.register(TOY_PLUGIN);
    }
  });
});

describe('the registry', () => {
  test('lists the four providers, the fallback reader last', () => {
    expect(PROVIDERS.plugins.map(p => p.name)).toEqual(['istio', 'gateway-api', 'ingress-nginx', 'kubernetes']);
  });

  test('keeps a provider registered later before the fallback readers', () => {
    // GIVEN a registry of the four
    const registry = new ProviderRegistry([...PROVIDERS.plugins]);
    // WHEN the toy registers
    registry.register(TOY_PLUGIN);
    // THEN it reads before the plain Services
    expect(registry.plugins.map(p => p.name)).toEqual(['istio', 'gateway-api', 'ingress-nginx', 'toy', 'kubernetes']);
  });

  test('fails to register a name twice', () => {
    const registry = new ProviderRegistry([...PROVIDERS.plugins]);
    expect(() => registry.register(TOY_PLUGIN)).not.toThrow();
    expect(() => registry.register(TOY_PLUGIN)).toThrow('a provider named "toy" is registered already');
  });

  test('fails to render with a provider that is not registered', () => {
    expect(() => TrafficProvider._of('nope', {})).toThrow('TrafficProvider: no provider named "nope" is registered');
  });

  test("the README's capability table is the providers' capabilities", () => {
    // GIVEN the README's table
    const lines = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8').split('\n');
    const start = lines.findIndex(l => l.startsWith('| feature | Istio | Gateway API | ingress-nginx | Kubernetes |'));
    expect(start).toBeGreaterThan(0);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(line.slice(1, -1).split(' | ').map(c => c.trim()));
    }
    // THEN each provider's column is its plug-in's capabilities, in order
    ['istio', 'gateway-api', 'ingress-nginx', 'kubernetes'].forEach((name, i) => {
      expect(rows.map(r => [r[0], r[i + 1]])).toEqual(PROVIDERS.get(name)!.capabilities.map(c => [...c]));
    });
  });
});

describe('layers', () => {
  const SRC = path.join(__dirname, '..', '..', 'src');
  const importsOf = (dir: string): Array<{ file: string; spec: string }> => {
    const out: Array<{ file: string; spec: string }> = [];
    for (const entry of fs.readdirSync(path.join(SRC, dir), { withFileTypes: true, recursive: true } as any) as any[]) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|require\()\s*'([^']+)'/g)) out.push({ file: path.relative(SRC, file), spec: m[1] });
    }
    return out;
  };

  test.each(['gitops', 'analyzer', 'analysis', 'cli', 'reading'])('%s/ imports no provider folder', dir => {
    const bad = importsOf(dir).filter(i => /providers\/(istio|gateway-api|ingress-nginx|kubernetes)(\/|')/.test(`${i.spec}'`));
    expect(bad).toEqual([]);
  });

  test('model/ imports nothing from providers/, services/, gitops/, cli/ or reading/', () => {
    expect(importsOf('model').filter(i => /\/(providers|services|gitops|cli|reading)\//.test(i.spec))).toEqual([]);
  });

  test('reading/ names no provider', () => {
    expect(importsOf('reading').filter(i => /providers/.test(i.spec))).toEqual([]);
  });

  test('services/ reaches the providers through the seam only', () => {
    const seam = /providers\/(_provider|traffic-provider)$/;
    expect(importsOf('services').filter(i => /providers\//.test(i.spec) && !seam.test(i.spec))).toEqual([]);
  });
});
