import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { BlueGreenService, CanaryService, Color, SharedHost, StringMatch, TrafficProvider } from '../../src';
import { synthValid } from '../util';
import { run } from '../util/cli';

/** Writes the shop (orders at `weight`% on v2, cart blue-green) to `file`. */
function writeShop(file: string, provider: () => TrafficProvider, weight: number): void {
  const chart = Testing.chart();
  const orders = new CanaryService(chart, 'orders', {
    port: 8080, provider: provider(), stable: { version: 'v1', image: 'o:1' }, canary: { version: 'v2', image: 'o:2' }, canaryWeight: weight,
  });
  const cart = new BlueGreenService(chart, 'cart', {
    port: 8080, provider: provider(), blue: { version: 'v1', image: 'c:1' }, green: { version: 'v2', image: 'c:2' }, active: Color.BLUE,
  });
  const host = new SharedHost(chart, 'shop', { hosts: ['shop.example.com'], gateways: ['istio-system/public'], provider: provider() });
  host.addPath(StringMatch.prefix('/orders'), orders);
  host.addPath(StringMatch.prefix('/cart'), cart);
  Yaml.save(file, synthValid(chart));
}

describe.each([['istio', () => TrafficProvider.istio()], ['gateway-api', () => TrafficProvider.gatewayApi()]])('cdk8s-canary on a SharedHost (%s)', (_name, provider) => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-shared-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('explain names the service, rule and version through the shared host', () => {
    // GIVEN
    const file = path.join(dir, 'shop.yaml');
    writeShop(file, provider, 10);

    // WHEN
    const r = run('explain', file, '--host', 'shop.example.com', '--path', '/orders/1', '--gateway', 'istio-system/public');

    // THEN
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/orders.*v1.*90/s);
    expect(r.out).toMatch(/orders.*v2.*10/s);
    expect(r.out).not.toMatch(/cart\/v/);
  });

  test('check and diff read the shared host: orders 10% -> 20% moves orders only', () => {
    // GIVEN
    const before = path.join(dir, 'before.yaml');
    const after = path.join(dir, 'after.yaml');
    writeShop(before, provider, 10);
    writeShop(after, provider, 20);

    // WHEN
    const check = run('check', before, after);
    const diff = run('diff', before, after);

    // THEN
    expect(check.code).toBe(0);
    const table = diff.out.split('\n').filter(l => l.startsWith('shop.example.com '));
    expect(table.find(l => l.includes('/orders'))).toMatch(/orders\/v1 80, orders\/v2 20 +10% of the cohort moves$/);
    expect(table.find(l => l.includes('/cart'))).toMatch(/cart\/v1 100 +unchanged$/);
  });
});
