import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Testing, Yaml } from 'cdk8s';
import {
  CanaryService, FaultInjection, HeaderMatchRoute, IstioReader, RequestMatch, RetryCondition, RouteRule, StringMatchType,
} from '../../../src';
import { constructs, JASON_V2, reviewsBase, reviewsDeployment, virtualService } from '../../util/bookinfo';

const dest = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });

function readOne(http: any[], extra: any = {}) {
  const result = IstioReader.read([...reviewsBase(), virtualService(http, extra)]);
  expect(result.routings).toHaveLength(1);
  return { routing: result.routings[0], warnings: result.warnings.map(w => w.message) };
}

describe('IstioReader', () => {
  test('reads a gateway-only VirtualService named after its Service as that Service\'s routing at the gateways', () => {
    // GIVEN what CanaryService renders with includeMesh: false: only the public host, routes to reviews
    const { routing, warnings } = readOne([{ route: [dest('v1', 80), dest('v2', 20)] }], { hosts: ['reviews.example.com'], gateways: ['istio-system/public'] });
    // THEN it is the routing of reviews, with its subsets, the public name as a further host
    expect(warnings).toEqual([]);
    expect([routing.host, routing.hosts, routing.gateways]).toEqual(['reviews', ['reviews.example.com'], ['istio-system/public']]);
    expect(routing.versions.map(v => v.version)).toEqual(['v1', 'v2', 'v3']);
    expect(routing.rules[0].destinations).toEqual([{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }]);
  });

  test.each([
    ['bound to the mesh too', { hosts: ['reviews.example.com'], gateways: ['istio-system/public', 'mesh'] }],
    ['routing to another Service', { hosts: ['reviews.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }],
  ])('keeps the first host as the routing\'s host when %s', (_what, extra) => {
    const { http, ...rest } = extra as any;
    const result = IstioReader.read([...reviewsBase(), virtualService(http ?? [{ route: [dest('v1')] }], rest)]);
    expect(result.routings[0].host).toBe('reviews.example.com');
  });

  test('reads Bookinfo\'s jason route, subsets and replicas', () => {
    // GIVEN
    const objects = [...reviewsBase(['v1', 'v2']), JASON_V2];
    objects[3] = reviewsDeployment('v2', 3);
    // WHEN
    const { routings, warnings } = IstioReader.read(objects);
    // THEN
    expect(warnings).toEqual([]);
    expect(routings).toHaveLength(1);
    const r = routings[0];
    expect(r.host).toBe('reviews');
    expect(r.source).toBe('VirtualService default/reviews');
    expect(r.versions).toEqual([
      { version: 'v1', labels: { version: 'v1' }, replicas: 1 },
      { version: 'v2', labels: { version: 'v2' }, replicas: 3 },
    ]);
    expect(r.rules.map(x => x.matches?.map(m => m.toString()))).toEqual([['header end-user exact "jason"'], undefined]);
    expect(r.rules.map(x => x.destinations)).toEqual([[{ version: 'v2', weight: 100 }], [{ version: 'v1', weight: 100 }]]);
  });

  test('reads what our constructs render into the routing they were built from', () => {
    // GIVEN
    const objects = constructs('jason-v2', { canaryWeight: 20 });
    // WHEN
    const r = IstioReader.read(objects).routings[0];
    // THEN
    expect(r.rules.map(x => [x.name, x.matches?.map(m => m.toString()), x.destinations])).toEqual([
      ['jason', ['header end-user exact "jason"'], [{ version: 'v2', weight: 100 }]],
      [undefined, undefined, [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }]],
    ]);
    expect(r.versions.map(v => [v.version, v.replicas])).toEqual([['v1', 1], ['v2', 1]]);
  });

  test('reads every match kind with the RequestMatch factories', () => {
    // WHEN
    const { routing, warnings } = readOne([{
      match: [{
        headers: { 'X-Group': { exact: 'qa' }, 'x-region': { prefix: 'eu-' }, 'x-build': { regex: '^[0-9]+$' }, 'x-debug': {}, '@request.auth.claims.groups': { exact: 'beta' } },
        withoutHeaders: { 'x-legacy': {}, 'x-tier': { exact: 'free' } },
        uri: { prefix: '/api' },
        queryParams: { variant: { exact: 'b' } },
        method: { exact: 'POST' },
        sourceLabels: { app: 'productpage' },
      }],
      route: [dest('v2')],
    }, { route: [dest('v1')] }]);
    // THEN
    expect(warnings).toEqual([]);
    expect(routing.rules[0].matches![0].toString()).toBe([
      'header x-group exact "qa"', 'header x-region prefix "eu-"', 'header x-build regex "^[0-9]+$"', 'header x-debug present',
      'JWT claim groups exact "beta"', 'header x-legacy absent', 'header x-tier not exact "free"', 'uri prefix "/api"',
      'query variant exact "b"', 'method POST', 'source label app=productpage',
    ].join(' and '));
  });

  test('models ignoreUriCase and empty values as RE2 regexes', () => {
    const { routing } = readOne([{ match: [{ uri: { exact: '/Login' }, ignoreUriCase: true, headers: { 'x-empty': { exact: '' } } }], route: [dest('v2')] }]);
    const conditions = routing.rules[0].matches![0].conditions;
    expect(conditions.map(c => [c.match.type, c.match.value])).toEqual([[StringMatchType.REGEX, '^$'], [StringMatchType.REGEX, '(?i)^/Login$']]);
    expect(conditions[1].match.matches('/LOGIN')).toBe(true);
  });

  test('splits a rule whose matches have different gateways into consecutive rules', () => {
    // GIVEN: match 1 and 2 at the public gateway, match 3 in the mesh
    const { routing } = readOne([{
      name: 'beta',
      match: [
        { headers: { 'x-beta': { exact: '1' } }, gateways: ['istio-system/public'] },
        { uri: { prefix: '/beta' }, gateways: ['istio-system/public'] },
        { headers: { 'x-beta': { exact: '2' } }, gateways: ['mesh'] },
      ],
      route: [dest('v2')],
    }, { route: [dest('v1')] }], { gateways: ['istio-system/public', 'mesh'] });
    // THEN
    expect(routing.gateways).toEqual(['istio-system/public', 'mesh']);
    expect(routing.rules.map(r => [r.name, r.gateways, r.matches?.map(m => m.toString()), r.destinations[0].version])).toEqual([
      ['beta', ['istio-system/public'], ['header x-beta exact "1"', 'uri prefix "/beta"'], 'v2'],
      ['beta', ['mesh'], ['header x-beta exact "2"'], 'v2'],
      [undefined, undefined, undefined, 'v1'],
    ]);
  });

  test('reads mirrors, removed headers and destinations on other hosts', () => {
    const { routing } = readOne([{
      route: [dest('v1', 90), { destination: { host: 'ratings', subset: 'v1' }, weight: 10 }],
      mirror: { host: 'reviews', subset: 'v3' },
      mirrorPercentage: { value: 12.5 },
      headers: { request: { remove: ['X-Beta'] } },
    }]);
    expect(routing.rules[0]).toEqual({
      destinations: [{ version: 'v1', weight: 90 }, { host: 'ratings', version: 'v1', weight: 10 }],
      mirror: { version: 'v3', percent: 12.5 },
      removeRequestHeaders: ['x-beta'],
    });
  });

  test.each(['networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'])('reads %s objects', (apiVersion) => {
    const objects = [...reviewsBase(), JASON_V2].map(o => (o.apiVersion.startsWith('networking') ? { ...o, apiVersion } : o));
    const { routings } = IstioReader.read(objects);
    expect(routings[0].rules).toHaveLength(2);
    expect(routings[0].versions).toHaveLength(3);
  });

  test('does not crash on unsupported fields: records warnings and models them conservatively', () => {
    // WHEN
    const { routing, warnings } = readOne([
      { match: [{ authority: { exact: 'reviews.example.com' }, headers: { 'x-a': { exact: '1' } } }], route: [dest('v2')] },
      { match: [{ port: 9080 }], redirect: { uri: '/v1' } },
      { match: [{ scheme: { exact: 'http' } }], directResponse: { status: 503 } },
      { delegate: { name: 'other' } },
      { route: [dest('v1', 30), dest('v2', 30)], fault: { abort: { httpStatus: 500, percentage: { value: 1 } } } },
    ], { tcp: [{ route: [dest('v1')] }] });
    // THEN: an unmodelled condition is treated as satisfied; redirects reach no version
    expect(routing.rules[0].matches!.map(m => m.toString())).toEqual(['header x-a exact "1"']);
    expect(routing.rules[1]).toEqual({ matches: [expect.anything()], destinations: [] });
    expect(routing.rules[1].matches!.map(m => m.toString())).toEqual(['port 9080']);
    expect(routing.rules[2]).toEqual({ destinations: [] });
    expect(routing.rules[4].destinations).toEqual([{ version: 'v1', weight: 50 }, { version: 'v2', weight: 50 }]);
    expect(warnings).toEqual(expect.arrayContaining([
      'has tcp routes; they are not modelled (HTTP routes only)',
      'http[0].match[0]: authority matches are not modelled; treated as satisfied by every request',
      'http[1]: redirect is not modelled; the rule\'s requests reach no version',
      'http[2]: directResponse is not modelled; the rule\'s requests reach no version',
      'http[3]: delegate is not modelled; the rule\'s requests reach no version',
      'http[4]: fault injection is not simulated; requests are modelled as reaching their destination',
      'http[4]: weights add up to 60, not 100; modelled as shares of 60',
    ]));
  });

  test('warns about routes to subsets no DestinationRule defines, and about duplicate hosts', () => {
    const { warnings } = IstioReader.read([...reviewsBase(['v1']), JASON_V2, { ...JASON_V2, metadata: { name: 'reviews-2' } }]);
    expect(warnings.map(w => `${w.source}: ${w.message}`)).toEqual([
      'VirtualService default/reviews: sends traffic to subset "v2" of reviews, which no DestinationRule defines; Istio answers such requests with 503',
      'VirtualService default/reviews-2: sends traffic to subset "v2" of reviews, which no DestinationRule defines; Istio answers such requests with 503',
      'VirtualService default/reviews-2: routes host reviews, as VirtualService default/reviews does; Istio merges them only at gateways, so the simulator uses the first',
    ]);
  });

  test('rejects objects that are not Kubernetes objects, naming the index and value', () => {
    expect(() => IstioReader.read([JASON_V2, { foo: 'bar' }])).toThrow('IstioReader.read: objects[1] must be a Kubernetes object (with apiVersion and kind), got {"foo":"bar"}');
    expect(() => IstioReader.read('x' as any)).toThrow('IstioReader.read: objects must be an array of Kubernetes objects, got "x"');
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-reader-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('reads directories recursively, YAML files only, multi-document and List objects', () => {
      // GIVEN
      fs.mkdirSync(path.join(dir, 'istio'));
      Yaml.save(path.join(dir, 'base.yaml'), reviewsBase());
      Yaml.save(path.join(dir, 'istio', 'vs.yml'), [{ apiVersion: 'v1', kind: 'List', items: [JASON_V2] }]);
      fs.writeFileSync(path.join(dir, 'README.md'), '# not yaml');
      // WHEN
      const result = IstioReader.readFiles([dir]);
      // THEN
      expect(result.routings.map(r => r.host)).toEqual(['reviews']);
      expect(IstioReader.loadFiles([dir]).map(o => o.kind)).toEqual(['Service', 'DestinationRule', 'Deployment', 'Deployment', 'Deployment', 'VirtualService']);
    });

    test('fails on a YAML syntax error naming the file, the document and the offending line', () => {
      // GIVEN a file whose second document is badly indented on line 7
      const bad = path.join(dir, 'indented.yaml');
      fs.writeFileSync(bad, 'apiVersion: v1\nkind: Service\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Service\n  metadata: { name: b }\n');
      // WHEN it is loaded THEN the error names the file, document 2, line 7 and shows the line with a caret
      expect(() => IstioReader.loadFiles([bad])).toThrow(
        `${bad}: document 2 is not valid YAML: bad indentation of a mapping entry at line 7, column 11:\n  7 |   metadata: { name: b }\n    |           ^`);
      fs.rmSync(bad);
    });

    test('reads YAML 1.1 booleans, merge keys, and timestamps as strings, as kubectl does', () => {
      // GIVEN a hand-written file with an unquoted yes, a merge key and a date
      const file = path.join(dir, 'yaml11.yaml');
      fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m { name: a }\ndata:\n  enabled: yes\n  since: 2024-01-01\n  copy: { <<: *m, extra: x }\n');
      // WHEN it is loaded THEN the values are those of a YAML 1.1 parser, in JSON terms
      expect(IstioReader.loadFiles([file])[0].data).toEqual({ enabled: true, since: '2024-01-01', copy: { name: 'a', extra: 'x' } });
      fs.rmSync(file);
    });

    test('names the file and the problem for unreadable, invalid and non-Kubernetes YAML', () => {
      const bad = path.join(dir, 'bad.yaml');
      fs.writeFileSync(bad, 'a: [1, 2\nb: : :\n');
      const notK8s = path.join(dir, 'not-k8s.yaml');
      fs.writeFileSync(notK8s, 'apiVersion: v1\nkind: Service\nmetadata: { name: a }\n---\nfoo: bar\n');
      expect(() => IstioReader.loadFiles([path.join(dir, 'missing.yaml')])).toThrow(`cannot read "${path.join(dir, 'missing.yaml')}": no such file or directory`);
      expect(() => IstioReader.loadFiles([bad])).toThrow(new RegExp(`^${bad}: document 1 is not valid YAML: `));
      expect(() => IstioReader.loadFiles([notK8s])).toThrow(`${notK8s}: document 2 (line 4) is not a Kubernetes object (an object with apiVersion and kind), got {"foo":"bar"}`);
      expect(() => IstioReader.loadFiles([])).toThrow('IstioReader.loadFiles: paths must list at least one file or directory, got []');
      fs.rmSync(bad);
      fs.rmSync(notK8s);
      expect(() => IstioReader.loadFiles([dir])).toThrow(`"${dir}" is a directory without *.yaml, *.yml or *.json files`);
    });
  });
});

describe('IstioReader: resilience settings', () => {
  test('reads timeout, retries, header operations and fault into the model', () => {
    // WHEN
    const { routing, warnings } = readOne([{
      route: [dest('v1')],
      timeout: '1m30s',
      retries: { attempts: 3, perTryTimeout: '500ms', retryOn: 'gateway-error,connect-failure,503' },
      headers: { request: { set: { 'x-env': 'prod' }, remove: ['X-Debug'] }, response: { add: { 'x-served-by': '%HOSTNAME%' }, remove: ['server'] } },
      fault: { delay: { fixedDelay: '2.5s', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 1 } } },
    }]);
    // THEN
    const rule = routing.rules[0];
    expect(rule.timeout?.toMilliseconds()).toBe(90_000);
    expect({ ...rule.retries, perTryTimeout: rule.retries?.perTryTimeout?.toMilliseconds() }).toEqual({
      attempts: 3, perTryTimeout: 500, retryOn: ['gateway-error', 'connect-failure'], retryOnStatusCodes: [503],
    });
    expect(rule.headers).toEqual({ requestSet: { 'x-env': 'prod' }, responseAdd: { 'x-served-by': '%HOSTNAME%' }, responseRemove: ['server'] });
    expect(rule.removeRequestHeaders).toEqual(['x-debug']);
    expect(rule.fault?.toString()).toBe('delay 2500ms for 10% of requests and abort with 503 for 1% of requests');
    expect(warnings).toEqual(['http[0]: fault injection is not simulated; requests are modelled as reaching their destination']);
  });

  test('reads what the constructs render back to the same settings (round trip)', () => {
    // GIVEN a chart with every setting
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'reviews', {
      port: 9080,
      stable: { version: 'v1', image: 'r:1' },
      canary: { version: 'v2', image: 'r:2' },
      timeout: Duration.seconds(4),
      retries: { attempts: 2, retryOn: [RetryCondition.RESET], retryOnStatusCodes: [502] },
    });
    new HeaderMatchRoute(chart, 'testers', {
      target: svc,
      matches: [RequestMatch.headerPresent('x-tester')],
      version: 'v2',
      headers: { requestAdd: { 'x-cohort': 'testers' } },
      fault: FaultInjection.delay({ fixedDelay: Duration.millis(750), percent: 50 }),
    });
    // WHEN
    const read = IstioReader.read(Testing.synth(chart)).routings[0];
    // THEN
    const summary = (r: RouteRule) => ({
      timeout: r.timeout?.toMilliseconds(), retries: { ...r.retries }, headers: r.headers, fault: r.fault?.toString(),
    });
    expect(read.rules.map(summary)).toEqual(svc.routing.rules.map(summary));
    expect(read.rules.map(summary)[0]).toMatchObject({ timeout: 4000, fault: 'delay 750ms for 50% of requests' });
  });

  test('warns about what it cannot read, and leaves it out', () => {
    const { routing, warnings } = readOne([{
      route: [dest('v1')],
      timeout: 'soon',
      retries: { attempts: 2, retryOn: '5xx,sometimes' },
      fault: { abort: { grpcStatus: 'UNAVAILABLE' }, delay: { fixedDelay: '0s' } },
    }]);
    expect(routing.rules[0].timeout).toBeUndefined();
    expect(routing.rules[0].retries).toEqual({ attempts: 2, retryOn: ['5xx'] });
    expect(routing.rules[0].fault).toBeUndefined();
    expect(warnings).toEqual(expect.arrayContaining([
      'http[0]: timeout "soon" is not a duration; ignored',
      'http[0]: retryOn condition "sometimes" is not one Istio accepts; ignored',
      'http[0]: fault.abort without httpStatus (gRPC or HTTP/2 errors) is not modelled; ignored',
      'http[0]: fault cannot be modelled (FaultInjection.delay: fixedDelay must be at least 1ms, got 0ms); ignored',
    ]));
  });
});
