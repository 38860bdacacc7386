import { Chart, Testing } from 'cdk8s';
import { validateManifests } from './schema';

export { validateManifests } from './schema';

/** Synthesizes a chart and validates every object against its real schema. */
export function synthValid(chart: Chart): any[] {
  const manifests = Testing.synth(chart);
  validateManifests(manifests);
  return manifests;
}

/** The one object of `kind` named `name`; fails when there is none or more than one. */
export function find(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter(m => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named ${name}, found ${found.length} among: ${manifests.map(m => `${m.kind}/${m.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}

/** `kind/name` of every object, in output order. */
export function inventory(manifests: any[]): string[] {
  return manifests.map(m => `${m.kind}/${m.metadata?.name}`);
}
