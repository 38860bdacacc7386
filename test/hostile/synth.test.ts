// Hosts and names at synth: what Istio, the Gateway API or the API server would refuse at
// apply time is refused by the constructor, and names reaching PromQL cannot break out of it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { CanaryService, MetricCheck } from '../../src';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const v1 = { version: 'v1', image: image('v1') };
const v2 = { version: 'v2', image: image('v2') };

const make = (hosts: any[]) => () => new CanaryService(Testing.chart(), 'reviews', { port: 9080, stable: v1, canary: v2, hosts });

describe('hosts', () => {
  test('accepts lowercase DNS names, a leading *. wildcard and IP addresses', () => {
    expect(make(['reviews.example.com', '*.example.com', 'reviews.default.svc.cluster.local', '10.0.0.1', 'xn--rviws-3ye.example.com'])).not.toThrow();
  });

  test.each([
    ['reviеws.example.com (a Cyrillic е)', 'reviеws.example.com', 'must be ASCII (a DNS name); write an internationalized name in punycode (xn--'],
    ['full-width letters', 'ｒｅｖｉｅｗｓ', 'must be ASCII (a DNS name); write an internationalized name in punycode'],
    ['a space and !', 'bad host!', 'must be a lowercase DNS-1123 subdomain'],
    ['an empty label', 'a..b', 'must be a lowercase DNS-1123 subdomain'],
    ['a lone *', '*', 'a wildcard only as a leading "*.", e.g. *.example.com'],
    ['a wildcard inside', 'a.*.example.com', 'a wildcard only as a leading "*."'],
    ['upper case', 'Reviews.Example.com', '(lowercase: "reviews.example.com")'],
    ['a label over 63 characters', `${'a'.repeat(64)}.example.com`, 'must be a lowercase DNS-1123 subdomain'],
    ['a port', '10.0.0.1:80', 'must be a lowercase DNS-1123 subdomain'],
    ['a newline and a workflow command', 'x\n::error::y', 'must be a lowercase DNS-1123 subdomain'],
  ])('fails on %s', (_, host, message) => {
    expect(make([host])).toThrow(message);
    expect(make([host])).toThrow(/^CanaryService 'reviews': hosts\[0\] must be /);
  });

  test('fails on a host that is not a string, naming the type', () => {
    expect(make([42])).toThrow('CanaryService \'reviews\': hosts[0] must be a host name such as reviews or shop.example.com, got 42');
  });
});

test('a chart namespace reaching PromQL must be a namespace name: an injection is refused at synth', () => {
  // GIVEN a chart namespace holding a quote and a brace (what a PromQL injection needs)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-synth-'));
  try {
    fs.writeFileSync(path.join(dir, 'state.json'), '{"releases": {}}');
    const c = new Chart(Testing.app(), 'test', { namespace: 'x"} or vector(1) #' });
    // WHEN the analysed service is built
    // THEN it is refused, naming the namespace
    expect(() => new CanaryService(c, 'reviews', { port: 9080, stable: v1, canary: v2, analysis: { checks: [MetricCheck.successRate({ min: 99 })], stateFile: path.join(dir, 'state.json') } }))
      .toThrow("CanaryService 'reviews': the chart's namespace must be a DNS-1123 label");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
