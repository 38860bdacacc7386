// Shared by the examples: a release is a list of stages; each stage is the same chart (same
// id, as in a real app) built with different props, synthesized to dist/<stage>.k8s.yaml.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';

export type Stages<P> = Array<[string, P]>;

/** Builds one stage in a fresh app and returns the chart. */
export function stageChart<P>(chartId: string, build: (chart: Chart, props: P) => void, props: P): Chart {
  const app = new App();
  const chart = new Chart(app, chartId);
  build(chart, props);
  return chart;
}

/** Writes every stage of an example to <dir>/dist/<stage>.k8s.yaml. */
export function writeStages<P>(dir: string, stages: Stages<P>, build: (chart: Chart, props: P) => void): void {
  const outdir = path.join(dir, 'dist');
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  for (const [name, props] of stages) {
    const chart = stageChart(path.basename(dir), build, props);
    fs.writeFileSync(path.join(outdir, `${name}.k8s.yaml`), (chart.node.scope as App).synthYaml());
  }
  console.log(`${path.basename(dir)}: ${stages.length} stages -> ${path.relative(process.cwd(), outdir)}/`);
}
