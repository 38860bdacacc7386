// A shop: orders and cart behind one public host, shop.example.com, each releasing on its own.
// orders is a canary (/orders), cart a blue-green service (/cart). Each stage changes one
// service only: compare the dist/ files of two stages and only that service's objects differ.
// orders v2 is deployed at weight 0 one commit before it gets traffic (make before break).
import { Chart } from 'cdk8s';
import { BlueGreenService, CanaryService, Color, SharedHost, StringMatch } from '../../src';
import { Stages, writeStages } from '../stages';

export interface ShopStage {
  /** Percent of orders' traffic on v2 (undefined: v2 not deployed). */
  readonly ordersCanaryWeight?: number;
  /** cart's active color. */
  readonly cartActive: Color;
}

/** The releases, stage by stage: each line changes one service. */
export const STAGES: Stages<ShopStage> = [
  ['01-orders-v1-cart-blue', { cartActive: Color.BLUE }],
  ['02-orders-v2-deployed-at-0', { ordersCanaryWeight: 0, cartActive: Color.BLUE }],
  ['03-orders-v2-at-10', { ordersCanaryWeight: 10, cartActive: Color.BLUE }],
  ['04-orders-v2-at-20', { ordersCanaryWeight: 20, cartActive: Color.BLUE }],
  ['05-cart-green', { ordersCanaryWeight: 20, cartActive: Color.GREEN }],
  ['06-orders-v2-at-100', { ordersCanaryWeight: 100, cartActive: Color.GREEN }],
];

export function build(chart: Chart, stage: ShopStage): void {
  const orders = new CanaryService(chart, 'orders', {
    port: 8080,
    stable: { version: 'v1', image: 'registry.example.com/shop/orders:1.4.0' },
    canary: stage.ordersCanaryWeight === undefined ? undefined : { version: 'v2', image: 'registry.example.com/shop/orders:1.5.0' },
    canaryWeight: stage.ordersCanaryWeight,
  });
  const cart = new BlueGreenService(chart, 'cart', {
    port: 8080,
    blue: { version: 'v7', image: 'registry.example.com/shop/cart:7.0.1' },
    green: { version: 'v8', image: 'registry.example.com/shop/cart:8.0.0' },
    active: stage.cartActive,
  });
  const shop = new SharedHost(chart, 'shop', { hosts: ['shop.example.com'], gateways: ['istio-system/public'] });
  shop.addPath(StringMatch.prefix('/orders'), orders);
  shop.addPath(StringMatch.prefix('/cart'), cart);
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}
