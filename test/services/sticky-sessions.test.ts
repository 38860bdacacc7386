import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, CanaryServiceProps, HeaderMatchRoute, MetricCheck, RequestMatch, RouteSimulator, RoutingReader, ServiceProtocol, SimulatedRequest,
  StringMatch, TrafficDiff, TrafficProvider,
} from '../../src';
import { find, synthValid } from '../util';
import { virtualService } from '../util/bookinfo';
import { run } from '../util/cli';

const V1 = { version: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2' };
const V2 = { version: 'v2', image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' };
const istio = () => TrafficProvider.istio();
const gatewayApi = () => TrafficProvider.gatewayApi();

function build(props: Partial<CanaryServiceProps> = {}): { chart: Chart; svc: CanaryService } {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, canaryWeight: 10, stickySessions: {}, ...props });
  return { chart, svc };
}

/** Synthesized (validated) and read back; `to(request)`: where it goes, `v2 100%`-style, with each destination's cookie. */
function routed(props: Partial<CanaryServiceProps>) {
  const manifests = synthValid(build(props).chart);
  const read = RoutingReader.read(manifests);
  const explain = (request: Partial<SimulatedRequest> = {}) => RouteSimulator.explain({ host: 'reviews', ...request }, read.routings);
  const to = (request: Partial<SimulatedRequest> = {}) => explain(request).destinations
    .map(d => `${d.version} ${Math.round(d.probability * 100)}%${d.setCookie ? ` (${d.setCookie})` : ''}`);
  return { manifests, read, explain, to };
}

function route(props: Partial<CanaryServiceProps>, request: Partial<SimulatedRequest> = {}) {
  const r = routed(props);
  return { ...r, explanation: r.explain(request), where: r.to(request) };
}

describe('CanaryService stickySessions', () => {
  test('Istio: cookie rules before the weighted rule, and each pinned destination adds its cookie', () => {
    // GIVEN / WHEN
    const { manifests } = route({ stickySessions: { stable: true, maxAge: Duration.hours(1) } });
    // THEN
    expect(find(manifests, 'VirtualService', 'reviews').spec.http).toEqual([
      {
        name: 'sticky-v2',
        match: [{ headers: { cookie: { regex: '^(.*;[ \\t]*)?canary-reviews=v2([ \\t]*;.*)?$' } } }],
        route: [{ destination: { host: 'reviews', subset: 'v2' } }],
      },
      {
        name: 'sticky-v1',
        match: [{ headers: { cookie: { regex: '^(.*;[ \\t]*)?canary-reviews=v1([ \\t]*;.*)?$' } } }],
        route: [{ destination: { host: 'reviews', subset: 'v1' } }],
      },
      {
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 90, headers: { response: { add: { 'set-cookie': 'canary-reviews=v1; Max-Age=3600; Path=/; HttpOnly' } } } },
          { destination: { host: 'reviews', subset: 'v2' }, weight: 10, headers: { response: { add: { 'set-cookie': 'canary-reviews=v2; Max-Age=3600; Path=/; HttpOnly' } } } },
        ],
      },
    ]);
  });

  test('by default both versions are pinned (stable: true), so the weight stays the share of sessions', () => {
    for (const provider of [istio, gatewayApi]) {
      // GIVEN stickySessions without options
      const { explanation } = route({ provider: provider(), stickySessions: {} });
      // WHEN a new session arrives THEN both destinations set their cookie, and both cookies bring it back
      expect(explanation.sessions).toBe('new sessions: 90% v1, 10% v2; returning sessions with canary-reviews=v1 stay on v1; returning sessions with canary-reviews=v2 stay on v2');
    }
  });

  test('Gateway API: a cookie header match per pinned version, and a ResponseHeaderModifier on the canary backendRef only (stable not pinned)', () => {
    // GIVEN / WHEN
    const { manifests } = route({ provider: gatewayApi(), stickySessions: { cookieName: 'beta', stable: false } });
    // THEN
    expect(find(manifests, 'HTTPRoute', 'reviews').spec.rules).toEqual([
      {
        name: 'sticky-v2',
        matches: [{ headers: [{ name: 'cookie', type: 'RegularExpression', value: '^(.*;[ \\t]*)?beta=v2([ \\t]*;.*)?$' }] }],
        backendRefs: [{ name: 'reviews-v2', port: 9080 }],
      },
      {
        backendRefs: [
          { name: 'reviews-v1', port: 9080, weight: 90 },
          {
            name: 'reviews-v2',
            port: 9080,
            weight: 10,
            filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'set-cookie', value: 'beta=v2; Path=/; HttpOnly' }] } }],
          },
        ],
      },
    ]);
  });

  describe.each([['Istio', istio], ['Gateway API', gatewayApi]])('%s: read back and simulated', (_name, provider) => {
    test('without the cookie the weight splits new sessions; with it a session stays; a stable session stays only when pinned', () => {
      // GIVEN the stable version not pinned, then pinned
      for (const stable of [false, true]) {
        const { read, to } = routed({ provider: provider(), stickySessions: { stable } });
        // WHEN / THEN: no cookie: the weighted split, each pinned destination setting its cookie
        expect(read.warnings).toEqual([]);
        const fresh = [stable ? 'v1 90% (canary-reviews=v1; Path=/; HttpOnly)' : 'v1 90%', 'v2 10% (canary-reviews=v2; Path=/; HttpOnly)'];
        expect(to()).toEqual(fresh);
        // the cookie among others, in any position: the canary alone
        for (const cookie of ['canary-reviews=v2', 'a=1; canary-reviews=v2', 'canary-reviews=v2;b=2', 'a=1;\tcanary-reviews=v2 ; b=2']) {
          expect(to({ headers: { cookie } })).toEqual(['v2 100%']);
        }
        // a stable cookie: stable alone when pinned, else split again
        expect(to({ cookies: { 'canary-reviews': 'v1' } })).toEqual(stable ? ['v1 100%'] : fresh);
        // look-alikes are new sessions: another name ending in ours, a longer value, another version
        for (const cookie of ['xcanary-reviews=v2', 'canary-reviews=v22', 'canary-reviews=v3', 'canary-reviews=', 'Canary-Reviews=v2']) {
          expect(to({ headers: { cookie } })).toEqual(fresh);
        }
      }
    });

    test('an abort (weight 0) and a promotion (weight 100) render no cookie rule: cookies are ignored', () => {
      for (const [canaryWeight, expected] of [[0, ['v1 100%']], [100, ['v2 100%']]] as const) {
        // GIVEN / WHEN
        const { manifests, where } = route({ provider: provider(), canaryWeight, stickySessions: { stable: true } }, { cookies: { 'canary-reviews': canaryWeight === 0 ? 'v2' : 'v1' } });
        // THEN: the cookie naming the other version is ignored, and nothing sets a cookie
        expect(where).toEqual(expected);
        expect(JSON.stringify(manifests)).not.toContain('canary-reviews');
      }
    });
  });

  test('an aborted automated analysis ends stickiness: no cookie rule, a canary cookie reaches the stable version', () => {
    // GIVEN a state file recording the release as aborted
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-sticky-'));
    try {
      const stateFile = path.join(dir, 'state.json');
      fs.writeFileSync(stateFile, JSON.stringify({ releases: { 'bookinfo/reviews': { version: 'v2', weight: 0, status: 'aborted', failures: 2 } } }));
      const chart = new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
      // WHEN
      new CanaryService(chart, 'reviews', {
        port: 9080,
        stable: V1,
        canary: V2,
        stickySessions: { stable: true },
        analysis: { checks: [MetricCheck.successRate({ min: 99 })], stateFile },
      });
      const read = RoutingReader.read(synthValid(chart));
      // THEN
      const e = RouteSimulator.explain({ host: 'reviews.bookinfo.svc.cluster.local', cookies: { 'canary-reviews': 'v2' } }, read.routings);
      expect(e.destinations.map(d => [d.version, d.probability, d.setCookie])).toEqual([['v1', 1, undefined]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('matched routes come first: a HeaderMatchRoute still wins over a sticky cookie', () => {
    // GIVEN
    const { chart, svc } = build({ extraVersions: [{ version: 'v3', image: 'reviews:3' }], stickySessions: { stable: true } });
    new HeaderMatchRoute(chart, 'jason', { target: svc, matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))], version: 'v3' });
    // WHEN
    const read = RoutingReader.read(synthValid(chart));
    // THEN
    expect(read.routings[0].rules.map(r => r.name ?? 'default')).toEqual(['jason', 'sticky-v2', 'sticky-v1', 'default']);
    const e = RouteSimulator.explain({ host: 'reviews', headers: { 'end-user': 'jason' }, cookies: { 'canary-reviews': 'v2' } }, read.routings);
    expect(e.destinations.map(d => d.version)).toEqual(['v3']);
  });

  test('with untrustedHeaders the cookie rules have gateway variants that remove them too', () => {
    // GIVEN / WHEN
    const { manifests, read } = route({ gateways: ['istio-system/public'], hosts: ['reviews.example.com'], untrustedHeaders: ['x-beta'], stickySessions: { stable: false } });
    // THEN: no cookie lets a gateway request skip the removal
    const http = find(manifests, 'VirtualService', 'reviews').spec.http;
    expect(http.map((r: any) => [r.name ?? 'default', r.headers?.request?.remove ?? [], r.match?.[0]?.gateways ?? []])).toEqual([
      ['gateway-sticky-v2', ['x-beta'], ['istio-system/public']], ['gateway-default', ['x-beta'], ['istio-system/public']], ['sticky-v2', [], ['mesh']], ['default', [], []],
    ]);
    const e = RouteSimulator.explain({ host: 'reviews.example.com', gateway: 'istio-system/public', cookies: { 'canary-reviews': 'v2' } }, read.routings);
    expect(e.ruleName).toEqual('gateway-sticky-v2');
  });

  test('with untrustedHeaders, gateways and hosts the Gateway API routes every request as Istio does', () => {
    // GIVEN the same service with either provider
    const props = { canaryWeight: 30, gateways: ['istio-system/public'], hosts: ['reviews.example.com'], untrustedHeaders: ['x-beta'], stickySessions: { stable: true } };
    const outcomes = [istio(), gatewayApi()].map(provider => {
      const { read } = routed({ ...props, provider });
      // WHEN requests in the mesh and through the gateway, without a cookie and with each
      return ['mesh', 'istio-system/public'].flatMap(gateway => [undefined, 'v1', 'v2'].map(version => {
        const e = RouteSimulator.explain({
          host: gateway === 'mesh' ? 'reviews' : 'reviews.example.com', gateway, cookies: version ? { 'canary-reviews': version } : undefined,
        }, read.routings);
        return [gateway, version, e.destinations.map(d => [d.version, d.probability, d.setCookie]), e.sessions];
      }));
    });
    // THEN
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[0].map(o => o[2])).toEqual([
      [['v1', 0.7, 'canary-reviews=v1; Path=/; HttpOnly'], ['v2', 0.3, 'canary-reviews=v2; Path=/; HttpOnly']], [['v1', 1, undefined]], [['v2', 1, undefined]],
      [['v1', 0.7, 'canary-reviews=v1; Path=/; HttpOnly'], ['v2', 0.3, 'canary-reviews=v2; Path=/; HttpOnly']], [['v1', 1, undefined]], [['v2', 1, undefined]],
    ]);
  });

  test('explain says where new and returning sessions go', () => {
    // GIVEN / WHEN
    const notPinned = route({ stickySessions: { stable: false } }).explanation;
    const pinned = route({ provider: gatewayApi(), stickySessions: { stable: true } }).explanation;
    // THEN
    expect(notPinned.summary).toEqual('rule 1 matches (every request): v1 90%, v2 10%; new sessions: 90% v1, 10% v2; '
      + 'v1 sets no cookie, so its sessions are split again on every request; returning sessions with canary-reviews=v2 stay on v2');
    expect(pinned.sessions).toEqual('new sessions: 90% v1, 10% v2; returning sessions with canary-reviews=v1 stay on v1; returning sessions with canary-reviews=v2 stay on v2');
  });

  test('explain says when a cookie leads nowhere: a hand-written route that sets a cookie no rule matches', () => {
    // GIVEN a VirtualService that sets a cookie but has no cookie rule
    const vs = virtualService([{
      route: [
        { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
        { destination: { host: 'reviews', subset: 'v2' }, weight: 50, headers: { response: { add: { 'Set-Cookie': 'pin=1%%' } } } },
      ],
    }]);
    // WHEN
    const e = RouteSimulator.explain({ host: 'reviews' }, RoutingReader.read([vs]).routings);
    // THEN
    expect(e.destinations.map(d => d.setCookie)).toEqual([undefined, 'pin=1%']);
    expect(e.sessions).toEqual('new sessions: 50% v1, 50% v2; v1 sets no cookie, so its sessions are split again on every request; '
      + 'returning sessions with pin=1% are not pinned (split again)');
  });

  test('diff says the share of new sessions, that returning sessions stay, and when stickiness ends', () => {
    // GIVEN
    const synth = (canaryWeight: number) => Testing.synth(build({ canaryWeight, provider: gatewayApi(), stickySessions: { stable: true } }).chart);
    // WHEN
    const start = TrafficDiff.compare(synth(0), synth(10)).hosts[0];
    const promote = TrafficDiff.compare(synth(10), synth(100)).hosts[0];
    // THEN
    expect(start.sessions).toEqual('new sessions: 90% v1, 10% v2; returning sessions with canary-reviews=v1 stay on v1; returning sessions with canary-reviews=v2 stay on v2');
    expect(start.summary).toContain('; new sessions: 90% v1, 10% v2;');
    expect(promote.sessions).toEqual('sticky sessions end: the default route sets no cookie, so returning sessions are split by the weights again');
    expect(TrafficDiff.toTable(TrafficDiff.compare(synth(10), synth(10)))).toContain('returning sessions with canary-reviews=v2 stay on v2');
  });

  test('the command line: explain says where new and returning sessions go, diff that they stay', () => {
    // GIVEN two commits of a Gateway API release, written as JSON (YAML's superset)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-sticky-'));
    try {
      const write = (name: string, canaryWeight: number) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Testing.synth(build({ canaryWeight, provider: gatewayApi(), stickySessions: { stable: true } }).chart) }));
        return file;
      };
      const [before, after] = [write('before.yaml', 10), write('after.yaml', 20)];
      // WHEN
      const fresh = run('explain', after, '--host', 'reviews');
      const returning = run('explain', after, '--host', 'reviews', '--cookie', 'canary-reviews=v2');
      const diff = run('diff', before, after);
      // THEN
      expect(fresh.out.split('\n')[0]).toEqual('rule 2 matches (every request): v1 80%, v2 20%; new sessions: 80% v1, 20% v2; '
        + 'returning sessions with canary-reviews=v1 stay on v1; returning sessions with canary-reviews=v2 stay on v2');
      expect(returning.out.split('\n')[0]).toEqual('rule 0 "sticky-v2" matches (cookie canary-reviews=v2): v2 100%');
      expect(diff.code).toBe(0);
      expect(diff.out).toContain('reviews: default 90/10 v1/v2 -> 80/20 v1/v2 (10% of traffic moves); cohort cookie canary-reviews=v2: v2 -> v2; '
        + 'cohort cookie canary-reviews=v1: v1 -> v1; new sessions: 80% v1, 20% v2; returning sessions with canary-reviews=v1 stay on v1; '
        + 'returning sessions with canary-reviews=v2 stay on v2');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a cookie name with % is escaped for Envoy and read back literally', () => {
    // GIVEN / WHEN
    const { manifests, explanation } = route({ stickySessions: { cookieName: 'a%b', stable: false } });
    // THEN
    expect(find(manifests, 'VirtualService', 'reviews').spec.http[1].route[1].headers.response.add['set-cookie']).toEqual('a%%b=v2; Path=/; HttpOnly');
    expect(explanation.destinations[1].setCookie).toEqual('a%b=v2; Path=/; HttpOnly');
    expect(route({ stickySessions: { cookieName: 'a%b', stable: false } }, { cookies: { 'a%b': 'v2' } }).where).toEqual(['v2 100%']);
  });

  describe('validation', () => {
    const fails = (props: Partial<CanaryServiceProps>, message: string) => expect(() => build(props)).toThrow(message);

    test('fails on a cookie name that is not an RFC 6265 token', () => {
      fails({ stickySessions: { cookieName: 'my cookie' } }, 'CanaryService \'reviews\': stickySessions.cookieName must be a cookie name (an RFC 6265 token of 1 to 256 letters, digits and !#$%&\'*+-.^_`|~), got "my cookie"');
      fails({ stickySessions: { cookieName: '' } }, 'stickySessions.cookieName must be a cookie name');
      fails({ stickySessions: { cookieName: 'a;b=c' } }, 'stickySessions.cookieName must be a cookie name');
      fails({ stickySessions: { cookieName: 'x'.repeat(257) } }, 'stickySessions.cookieName must be a cookie name');
    });

    test('fails on a __Secure- or __Host- cookie name', () => {
      fails({ stickySessions: { cookieName: '__Host-canary' } }, 'CanaryService \'reviews\': stickySessions.cookieName must not start with __Secure- or __Host- (browsers accept such cookies only with the Secure attribute, which a cookie also set over plain HTTP cannot have), got "__Host-canary"');
      fails({ stickySessions: { cookieName: '__secure-canary' } }, 'must not start with __Secure- or __Host-');
    });

    test('fails on a maxAge that is not whole seconds from 1s to 400 days', () => {
      fails({ stickySessions: { maxAge: Duration.millis(1500) } }, 'CanaryService \'reviews\': stickySessions.maxAge must be a whole number of seconds from 1 to 34560000 (400 days), got 1.5s');
      fails({ stickySessions: { maxAge: Duration.days(401) } }, 'stickySessions.maxAge must be a whole number of seconds from 1 to 34560000 (400 days), got 34646400s');
      fails({ stickySessions: { maxAge: Duration.millis(0) } }, 'got 0s');
      fails({ stickySessions: { maxAge: 60 as any } }, 'stickySessions.maxAge must be a Duration (e.g. Duration.hours(1)), got 60');
    });

    test('fails on a stable that is not a boolean, and on stickySessions that are not an object', () => {
      fails({ stickySessions: { stable: 'yes' as any } }, 'CanaryService \'reviews\': stickySessions.stable must be true or false, got "yes"');
      fails({ stickySessions: 'on' as any }, 'CanaryService \'reviews\': stickySessions must be an object with cookieName, stable and maxAge, got "on"');
      fails({ stickySessions: { cookiename: 'x' } as any }, 'cookiename');
    });

    test('fails without a canary', () => {
      fails({ canary: undefined, canaryWeight: 0 }, 'CanaryService \'reviews\': stickySessions pin users to the canary or the stable version, but there is no canary; add a canary version, or remove stickySessions');
    });

    test('fails for gRPC', () => {
      fails({ protocol: ServiceProtocol.GRPC }, 'CanaryService \'reviews\': stickySessions pin sessions with an HTTP cookie, which gRPC clients do not keep');
    });

    test('fails with ingress-nginx, naming the provider and the alternative', () => {
      fails({ provider: TrafficProvider.ingressNginx(), hosts: ['reviews.example.com'] },
        'CanaryService \'reviews\': the ingress-nginx provider cannot render stickySessions: its canary-by-cookie takes only the values always and never');
      fails({ provider: TrafficProvider.ingressNginx(), hosts: ['reviews.example.com'] }, 'remove stickySessions, or use TrafficProvider.gatewayApi() or TrafficProvider.istio()');
    });

    test('fails with plain Kubernetes, naming the provider and the alternative', () => {
      fails({ provider: TrafficProvider.kubernetes(), canaryWeight: 50 },
        'CanaryService \'reviews\': the Kubernetes provider cannot render stickySessions: a Service picks a pod per connection and cannot look at a cookie or set one; remove stickySessions, or use TrafficProvider.istio() or TrafficProvider.gatewayApi()');
    });

    test('fails on a HeaderMatchRoute named like a cookie rule', () => {
      const { chart, svc } = build();
      expect(() => new HeaderMatchRoute(chart, 'sticky', { target: svc, name: 'sticky-v2', matches: [RequestMatch.header('x-a', StringMatch.exact('1'))], version: 'v2' }))
        .toThrow('route name "sticky-v2" is already used on CanaryService \'reviews\'; route names must be unique per service');
    });
  });
});
