// The micro-api blue-green release: v1 active on blue, v2 deployed on green and previewed
// by header, 10% of live traffic mirrored to it, switch, rollback, switch again, then blue
// (v1) scaled to 0, one commit after the preview route to it is gone. One prop changes per
// commit; each stage is one file in dist/.
import { Chart } from 'cdk8s';
import { BlueGreenService, BlueGreenServiceProps, Color, RequestMatch, StringMatch, VersionSpec } from '../../src';
import { Stages, writeStages } from '../stages';

const image = (v: string) => `registry.example.com/micro-api:${v}`;
const v0: VersionSpec = { version: 'v0', image: image('v0'), replicas: 0 }; // the previous release, scaled down
const v1: VersionSpec = { version: 'v1', image: image('v1'), replicas: 3 };
const v2: VersionSpec = { version: 'v2', image: image('v2'), replicas: 3 };
const preview = RequestMatch.header('x-preview', StringMatch.exact('true'));

export const STAGES: Stages<Partial<BlueGreenServiceProps>> = [
  ['01-v1-active', { blue: v1, green: v0, active: Color.BLUE }],
  ['02-v2-deployed-on-green', { blue: v1, green: v2, active: Color.BLUE }],
  ['03-v2-previewed-by-header', { blue: v1, green: v2, active: Color.BLUE, previewMatch: preview }],
  ['04-v2-mirrored-10', { blue: v1, green: v2, active: Color.BLUE, previewMatch: preview, mirrorPercent: 10 }],
  ['05-switch-to-green', { blue: v1, green: v2, active: Color.GREEN, previewMatch: preview }],
  ['06-rollback-to-blue', { blue: v1, green: v2, active: Color.BLUE, previewMatch: preview }],
  ['07-switch-to-green-again', { blue: v1, green: v2, active: Color.GREEN, previewMatch: preview }],
  ['08-preview-removed', { blue: v1, green: v2, active: Color.GREEN }],
  ['09-v1-scaled-to-0', { blue: { ...v1, replicas: 0 }, green: v2, active: Color.GREEN }],
];

export function build(chart: Chart, props: Partial<BlueGreenServiceProps>): void {
  new BlueGreenService(chart, 'micro-api', {
    port: 8080,
    blue: v1,
    green: v0,
    active: Color.BLUE,
    ...props,
  });
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}
