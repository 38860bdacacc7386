import { Chart, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, Color, FindingKind, HeaderMatchRoute, RequestMatch, Severity, StringMatch, TrafficProvider, TransitionCheck,
} from '../../../src';
import { synthValid, validateManifests } from '../../util';

const A = 'nginx.ingress.kubernetes.io/';
const WAVE = 'argocd.argoproj.io/sync-wave';

interface Stage {
  readonly stable: string;
  readonly canary?: string;
  readonly weight?: number;
  readonly testers?: boolean;
  readonly waves?: boolean;
}

/** The provider's own output for one stage of shop's release. */
function shop(stage: Stage): any[] {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'shop', {
    port: 8080,
    hosts: ['shop.example.com'],
    provider: TrafficProvider.ingressNginx(),
    stable: { version: stage.stable, image: `shop:${stage.stable}` },
    canary: stage.canary ? { version: stage.canary, image: `shop:${stage.canary}` } : undefined,
    canaryWeight: stage.weight,
    argoCdSyncWaves: stage.waves,
  });
  if (stage.testers) {
    new HeaderMatchRoute(chart, 'testers', { target: svc, version: stage.canary!, matches: [RequestMatch.header('x-canary', StringMatch.exact('always'))] });
  }
  return synthValid(chart);
}

/** The step's findings as [severity, kind, host, version]. */
function check(previous: any[], next: any[], maxWeightStep?: number) {
  const report = TransitionCheck.check(previous, next, { maxWeightStep });
  return { report, summary: report.findings.map(f => [f.severity, f.kind, f.host, f.version]) };
}

// Hand-written objects, as an ingress-nginx user writes them.
function ingress(name: string, backend: string, annotations?: Record<string, string>): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } }] } }],
    },
  };
}

function canaryIngress(backend: string, annotations: Record<string, string>): any {
  return ingress('shop-canary', backend, { [`${A}canary`]: 'true', ...annotations });
}

function service(name: string, selector: Record<string, string>): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80, targetPort: 8080 }], selector } };
}

function deployment(version: string, replicas = 1): any {
  const labels = { app: 'shop', version };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `shop-${version}`, labels },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'shop', image: `shop:${version}` }] } } },
  };
}

/** Service shop-<version> and its Deployment, for each version. */
function versions(list: string[], replicas: Record<string, number> = {}): any[] {
  return list.flatMap(v => [service(`shop-${v}`, { app: 'shop', version: v }), deployment(v, replicas[v] ?? 1)]);
}

/** Validated against the schemas, as the provider's output is. */
function valid(objects: any[]): any[] {
  validateManifests(objects);
  return objects;
}

describe('TransitionCheck on ingress-nginx Ingresses: the provider\'s own release', () => {
  const release: Array<[string, Stage]> = [
    ['all v1', { stable: 'v1' }],
    ['v2 deployed at weight 0', { stable: 'v1', canary: 'v2', weight: 0 }],
    ['testers on v2', { stable: 'v1', canary: 'v2', weight: 0, testers: true }],
    ['v2 at 10', { stable: 'v1', canary: 'v2', weight: 10, testers: true }],
    ['v2 at 50', { stable: 'v1', canary: 'v2', weight: 50, testers: true }],
    ['v2 at 100', { stable: 'v1', canary: 'v2', weight: 100, testers: true }],
    ['promoted: v2 stable, v1 gone', { stable: 'v2' }],
  ];

  test.each(release.slice(1).map((step, i) => [release[i][0], step[0], release[i][1], step[1]] as const))('%s -> %s is safe', (_from, _to, a, b) => {
    // WHEN checking a step of make-before-break
    const { report } = check(shop(a), shop(b));
    // THEN nothing is found
    expect(report.findings).toEqual([]);
    expect(report.safe).toBe(true);
  });

  test('fails deploying v2 and routing 10% to it in one commit', () => {
    // GIVEN all on v1
    const previous = shop({ stable: 'v1' });
    // WHEN v2's Service, Deployment and canary Ingress at 10 come in one commit
    const { report, summary } = check(previous, shop({ stable: 'v1', canary: 'v2', weight: 10 }));
    // THEN the new Service and pods get traffic before they are ready: 503
    expect(report.safe).toBe(false);
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NEW_VERSION, 'shop.example.com', 'v2']]);
    expect(report.findings[0].message).toBe('Service default/shop-v2 and Deployment shop-v2 are new in this commit and Ingress default/shop-canary already sends it traffic; '
      + 'nothing orders the new objects before the route, and new pods need time to become ready, so those requests get HTTP 503 from ingress-nginx (no ready endpoints) meanwhile');
    expect(report.findings[0].safeSequence).toEqual([
      '1) add shop.example.com v2 (Service default/shop-v2 and its Deployment), with no Ingress backend to it',
      '2) once its pods are ready, add the Ingress backend and move traffic to it step by step',
      '3) remove the old version in a later commit, after its Ingress backends are gone',
    ]);
  });

  test('fails deploying v2 with a tester cohort at weight 0 in one commit: a cohort sends traffic', () => {
    const { summary } = check(shop({ stable: 'v1' }), shop({ stable: 'v1', canary: 'v2', weight: 0, testers: true }));
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NEW_VERSION, 'shop.example.com', 'v2']]);
  });

  test('passes deploying and routing in one commit when Argo CD sync waves apply the Service and pods first', () => {
    const { report } = check(shop({ stable: 'v1', waves: true }), shop({ stable: 'v1', canary: 'v2', weight: 10, waves: true }));
    expect(report.findings).toEqual([]);
  });

  test('fails promoting at 50% and deleting v1 in one commit: v1 still gets half the traffic', () => {
    // WHEN the canary Ingress, Service shop-v1 and its pods go while v1 serves 50%
    const { report, summary } = check(shop({ stable: 'v1', canary: 'v2', weight: 50 }), shop({ stable: 'v2' }));
    // THEN
    expect(summary).toEqual([[Severity.ERROR, FindingKind.SERVICE_REMOVED_WHILE_ROUTED, 'shop.example.com', 'v1']]);
    expect(report.findings[0].message).toBe('Service default/shop-v1 (shop.example.com v1) is deleted, with its pods (shop-v1), in the same commit that removes the Ingress backend '
      + 'of Ingress default/shop, which sends it traffic; until ingress-nginx has loaded the new Ingresses, those requests get HTTP 503 from ingress-nginx');
    expect(report.findings[0].safeSequence).toEqual([
      '1) remove every Ingress backend to default/shop-v1 (move its traffic to other backends), keeping the Service and its pods',
      '2) once ingress-nginx serves the new Ingresses, delete Service default/shop-v1 and scale down or remove shop-v1',
    ]);
  });

  test('warns of a weight jump between canary Ingress pairs larger than maxWeightStep', () => {
    // WHEN v2 goes from 10 to 100 with a step of 50 allowed
    const { report, summary } = check(shop({ stable: 'v1', canary: 'v2', weight: 10 }), shop({ stable: 'v1', canary: 'v2', weight: 100 }));
    // THEN a warning with intermediate steps
    expect(summary).toEqual([[Severity.WARNING, FindingKind.WEIGHT_JUMP, 'shop.example.com', undefined]]);
    expect(report.findings[0].safeSequence).toEqual(['1) default route v1 45, v2 55; watch error rates and latency before the next commit', '2) default route v1 0, v2 100']);
    expect(check(shop({ stable: 'v1', canary: 'v2', weight: 10 }), shop({ stable: 'v1', canary: 'v2', weight: 50 }), 30).summary)
      .toEqual([[Severity.WARNING, FindingKind.WEIGHT_JUMP, 'shop.example.com', undefined]]);
  });
});

describe('TransitionCheck on ingress-nginx Ingresses: hand-written pairs', () => {
  const main = ingress('shop', 'shop-v1');

  test('fails a canary Ingress whose backend Service is not in the output (503, not 500)', () => {
    // GIVEN v2's pods but no Service shop-v2
    const previous = valid([...versions(['v1']), main]);
    const next = valid([...versions(['v1']), deployment('v2'), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '10' })]);
    // WHEN
    const { report, summary } = check(previous, next);
    // THEN
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_MISSING_SERVICE, 'shop.example.com', undefined]]);
    expect(report.findings[0].message).toBe('Ingress default/shop-canary sends it traffic (Service default/shop-v2), but the Service is not in the output; '
      + 'ingress-nginx answers those requests with HTTP 503 (a backend Service it cannot find has no endpoints)');
  });

  test('fails a canary Ingress whose Service selects pods scaled to 0, and one whose Service selects no Deployment', () => {
    const previous = valid([...versions(['v1', 'v2']), main]);
    const scaled = valid([...versions(['v1', 'v2'], { v2: 0 }), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '10' })]);
    expect(check(previous, scaled).summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NO_REPLICAS, 'shop.example.com', 'v2']]);
    const noPods = valid([...versions(['v1']), service('shop-v2', { app: 'shop', version: 'v2' }), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '10' })]);
    const { report, summary } = check(valid([...versions(['v1']), service('shop-v2', { app: 'shop', version: 'v2' }), main]), noPods);
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NO_REPLICAS, 'shop.example.com', 'v2']]);
    expect(report.findings[0].message).toContain('but no Deployment runs pods that Service default/shop-v2 selects');
  });

  test('a canary at weight 0 without a cohort gets no traffic; with a cookie cohort it does', () => {
    const previous = valid([...versions(['v1']), main]);
    expect(check(previous, valid([...versions(['v1', 'v2']), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '0' })])).summary).toEqual([]);
    expect(check(previous, valid([...versions(['v1', 'v2']), main, canaryIngress('shop-v2', { [`${A}canary-by-cookie`]: 'beta' })])).summary)
      .toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NEW_VERSION, 'shop.example.com', 'v2']]);
  });

  test('fails deleting the main Ingress\'s Service at canary weight 100 while a cookie cohort can still say never', () => {
    // GIVEN the canary takes every request but cookie beta=never stays on the main Ingress
    const previous = valid([...versions(['v1', 'v2']), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '100', [`${A}canary-by-cookie`]: 'beta' })]);
    // WHEN promoting and deleting v1 in one commit
    const { summary } = check(previous, valid([...versions(['v2']), ingress('shop', 'shop-v2')]));
    // THEN
    expect(summary).toEqual([[Severity.ERROR, FindingKind.SERVICE_REMOVED_WHILE_ROUTED, 'shop.example.com', 'v1']]);
    // and without the cookie cohort, v1 got nothing at 100: safe
    const no = valid([...versions(['v1', 'v2']), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '100' })]);
    expect(check(no, valid([...versions(['v2']), ingress('shop', 'shop-v2')])).summary).toEqual([]);
  });

  test('fails switching a lone main Ingress to another Service and scaling the old pods to 0 in one commit', () => {
    // GIVEN blue-green by hand: the main Ingress moves from shop-v1 to shop-v2
    const previous = valid([...versions(['v1', 'v2']), main]);
    // WHEN v1 is scaled to 0 in the same commit
    const { report, summary } = check(previous, valid([...versions(['v1', 'v2'], { v1: 0 }), ingress('shop', 'shop-v2')]), 100);
    // THEN
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NO_REPLICAS, 'shop.example.com', 'v1']]);
    expect(report.findings[0].message).toBe('the pods of Service default/shop-v1 (shop-v1) are scaled to 0 in the same commit that removes the Ingress backend of Ingress default/shop, '
      + 'which sends it traffic; until ingress-nginx has loaded the new Ingresses, those requests get HTTP 503');
    // and the switch alone is safe (a jump of 100 points, above the default step: a warning)
    expect(check(previous, valid([...versions(['v1', 'v2']), ingress('shop', 'shop-v2')])).summary)
      .toEqual([[Severity.WARNING, FindingKind.WEIGHT_JUMP, 'shop.example.com', undefined]]);
  });

  test('warns of a weight jump from a lone main Ingress to a canary pair', () => {
    const previous = valid([...versions(['v1', 'v2']), main]);
    const { summary } = check(previous, valid([...versions(['v1', 'v2']), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '80' })]));
    // (and 80% on v2's one pod against v1's 20% on one is 4 times the load per pod)
    expect(summary).toEqual([
      [Severity.WARNING, FindingKind.WEIGHT_JUMP, 'shop.example.com', undefined],
      [Severity.WARNING, FindingKind.CAPACITY_IMBALANCE, 'shop.example.com', 'v2'],
    ]);
  });

  test('passes a first deployment: no Ingress served the host before', () => {
    expect(check([], valid([...versions(['v1']), main])).summary).toEqual([]);
  });

  test('passes a new canary pair when a sync wave orders its Service and pods before the Ingresses', () => {
    const early = (o: any) => ({ ...o, metadata: { ...o.metadata, annotations: { [WAVE]: '-1' } } });
    const next = valid([...versions(['v1']), ...versions(['v2']).map(early), main, canaryIngress('shop-v2', { [`${A}canary-weight`]: '10' })]);
    expect(check(valid([...versions(['v1']), main]), next).summary).toEqual([]);
  });

  test('warns when the main Ingress mirrors to a Service deployed in the same commit: only the copies fail', () => {
    const mirrored = ingress('shop', 'shop-v1', { [`${A}mirror-target`]: 'http://shop-v2.default.svc.cluster.local:80$request_uri' });
    const { summary } = check(valid([...versions(['v1']), main]), valid([...versions(['v1', 'v2']), mirrored]));
    expect(summary).toEqual([[Severity.WARNING, FindingKind.ROUTED_TO_NEW_VERSION, 'shop.example.com', 'v2']]);
  });

  test('a blue-green switch between two running colours is not a weight jump; to a colour scaled up from 0 in the same commit it fails', () => {
    // GIVEN a BlueGreenService behind ingress-nginx
    const bg = (active: Color, green: number) => {
      const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
      new BlueGreenService(chart, 'web', {
        port: 80,
        hosts: ['web.example.com'],
        provider: TrafficProvider.ingressNginx(),
        active,
        blue: { version: 'v1', image: 'web:1', replicas: 2 },
        green: { version: 'v2', image: 'web:2', replicas: green },
      });
      return synthValid(chart);
    };
    // WHEN switching with both colours running, and with green scaled up in the same commit
    const warm = TransitionCheck.check(bg(Color.BLUE, 2), bg(Color.GREEN, 2));
    const cold = TransitionCheck.check(bg(Color.BLUE, 0), bg(Color.GREEN, 2));
    // THEN
    expect(warm.findings).toEqual([]);
    expect(cold.findings.map(f => f.kind)).toEqual([FindingKind.ROUTED_TO_NEW_VERSION, FindingKind.WEIGHT_JUMP]);
    expect(cold.findings[0].message).toContain('Deployment web-v2 (scaled up from 0 replicas) is new in this commit');
  });
});
