// The Bookinfo "reviews" canary (examples/bookinfo-reviews, stage 03-v2-at-20) as a user's
// cdk8s app: `cdk8s init typescript-app` layout, importing the published package name.
// bench/user-loop.js copies it to bench/work/user-app (with the template's tsconfig.json and
// node_modules/cdk8s-canary linked to this repository) and times synthesizing it.
import { App, Chart } from 'cdk8s';
import { CanaryService } from 'cdk8s-canary';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

const app = new App();
const chart = new Chart(app, 'bookinfo-reviews');
new CanaryService(chart, 'reviews', {
  port: 9080,
  stable: { version: 'v1', image: image('v1'), replicas: 2 },
  canary: { version: 'v2', image: image('v2'), replicas: 2 },
  canaryWeight: 20,
});
app.synth();
