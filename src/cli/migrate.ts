// `cdk8s-canary migrate <path>... --to gateway-api [--gateway ns/name] [--out FILE]`: writes
// the HTTPRoutes (and the backend Services they name) that replace the Ingresses of the
// input, ingress-nginx canary pairs included, then proves them with the simulator.
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import type { CliIo } from './_io';
import { proveMigration } from '../gitops/_equivalence';
import { TrafficDiff } from '../gitops/traffic-diff';
import { writeFileAtomic } from '../internal/atomic-write';
import { readManifestFiles } from '../internal/manifest-files';
import { show } from '../internal/validation';
import { MigrationGateway } from '../providers/plugin';
import { PROVIDERS } from '../providers/registry';

export const MIGRATE_HELP = `Usage: cdk8s-canary migrate <path>... --to gateway-api [--gateway NS/NAME] [--out FILE]

Writes the Gateway API HTTPRoutes that replace the Ingresses under <path> (ingress-nginx
canary pairs included: canary-weight, canary-by-header with its value or pattern,
canary-by-cookie, as a regex on the cookie header, and mirror-target to a Service, as a
RequestMirror filter), followed by the backend Services they
name, as YAML; then proves them: the traffic diff between the Ingresses and the HTTPRoutes
(expected: every cohort unchanged) and the simulator on probe requests built from every
value the rules match on (expected: no divergence). Whatever the HTTPRoutes do not carry
(other nginx annotations, TLS, regex paths...) is named, with why.

Options:
  --to gateway-api   the target (the only one so far)
  --gateway NS/NAME  the Gateway the routes attach to (NAME alone: the route's namespace)
                     (default: a Gateway named after the IngressClass, in each route's namespace)
  --out FILE         write the YAML to FILE and the report to stdout
                     (default: the YAML to stdout and the report to stderr)

Exit codes: 0 migrated and proven, nothing left behind; 1 something is not carried, the
reader warned about the input (the warnings are listed: the proof covers only what the
reader models) or the proof found a difference; 2 usage or read error.`;

/** A usage error of `migrate` (main prints the help with it). */
export class MigrateUsageError extends Error {}

/** Options of `migrateCommand`, as given on the command line. */
export interface MigrateFlags {
  readonly to?: string;
  readonly gateway?: string;
  readonly out?: string;
}

/** Throws unless `out` may be written: not a symbolic link, not one of the input files. */
function checkOutFile(out: string, inputs: string[]): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`--out ${show(out)}: ${(e as Error).message}`);
  }
  if (stat?.isSymbolicLink()) throw new Error(`--out ${show(out)} is a symbolic link; refused (name the file itself)`);
  if (stat && !stat.isFile()) throw new Error(`--out ${show(out)} is not a regular file; refused`);
  if (!stat) return;
  // The same file by device and inode: through a symbolic link or a hard link too.
  const same = inputs.find(i => {
    try {
      const s = fs.statSync(i);
      return s.ino === stat!.ino && s.dev === stat!.dev;
    } catch {
      return false;
    }
  });
  if (same !== undefined) throw new Error(`--out ${show(out)} is one of the inputs (${show(same)}); refused: write the HTTPRoutes to a new file`);
}

export function migrateCommand(positional: string[], flags: MigrateFlags, io: CliIo): number {
  const { to, gateway: gatewayFlag, out: outFile } = flags;
  if (positional.length === 0) throw new MigrateUsageError('migrate needs at least one path (a YAML file or directory with Ingresses)');
  const targets = PROVIDERS.plugins.flatMap(p => (p.migrations ?? []).map(m => ({ from: p.name, m })));
  const target = targets.find(t => t.m.to === to);
  if (!target) {
    throw new MigrateUsageError(`migrate needs --to ${targets.map(t => t.m.to).join(' or ')} (the only target so far), got ${to === undefined ? 'none' : JSON.stringify(to)}`);
  }
  let gateway: MigrationGateway | undefined;
  if (gatewayFlag !== undefined) {
    const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(gatewayFlag);
    if (!m) throw new MigrateUsageError(`--gateway must be <namespace>/<name> or <name> (lower-case DNS names), got ${JSON.stringify(gatewayFlag)}`);
    gateway = { ...(m[1] ? { namespace: m[1] } : {}), name: m[3] };
  }
  const inputs = readManifestFiles(positional);
  const objects = inputs.flatMap(f => f.objects);
  if (outFile !== undefined) checkOutFile(outFile, inputs.map(f => f.file));
  const migration = target.m.migrate(objects, gateway);
  if (migration.replaced.length === 0) {
    throw new Error(`${positional.join(', ')} holds no Ingress (networking.k8s.io/v1) with a Service backend: nothing to migrate`);
  }

  // The proof: the input against the input with the Ingresses replaced by the output.
  const replaced = new Set([...migration.replaced, ...migration.objects]);
  const after = [...objects.filter(o => !replaced.has(o)), ...migration.objects];
  const proof = proveMigration(objects, after, migration.hosts, target.from, target.m.to, migration.index);

  const text = migration.objects.map(o => `---\n${yaml.dump(o, { noRefs: true, lineWidth: -1 })}`).join('');
  const report: string[] = [];
  const routes = migration.objects.filter(o => o.kind === 'HTTPRoute').length;
  report.push(`migrated ${migration.replaced.length} Ingress(es) to ${routes} HTTPRoute(s) for ${migration.hosts.join(', ')}`);
  report.push('', 'traffic diff, Ingresses -> HTTPRoutes (destinations by backend Service):', TrafficDiff.toTable({ hosts: proof.hosts, warnings: [] }));
  const changed = proof.hosts.some(h => h.cohorts.some(c => c.change !== 'unchanged'));
  if (proof.divergences.length === 0) {
    report.push('', `simulator: ${proof.probes} probe request(s) route alike`);
  } else {
    report.push('', `simulator: ${proof.divergences.length} of ${proof.probes} probe request(s) route differently, e.g.:`);
    for (const d of proof.divergences.slice(0, 10)) {
      report.push(`  ${d.host}${d.request.path} ${JSON.stringify(d.request.headers ?? {})}: Ingress ${d.before}; HTTPRoute ${d.after}`);
    }
  }
  if (migration.notCarried.length > 0) {
    report.push('', 'not carried over:', ...migration.notCarried.map(n => `  ${n.source}: ${n.what}: ${n.why}`));
  }
  if (migration.notes.length > 0) report.push('', 'notes:', ...migration.notes.map(n => `  ${n}`));
  // The proof compares the readers' models: where the input's reader warns, its model (and
  // so the proof) may differ from what ingress-nginx does.
  const warnings = migration.index.warnings;
  if (warnings.length > 0) {
    report.push('', 'reader warnings (the proof compares what the reader models; these it does not, or not exactly):',
      ...warnings.map(w => `  ${w.source}${w.host ? ` (${w.host})` : ''}: ${w.message}`));
  }
  const proven = !changed && proof.divergences.length === 0 && warnings.length === 0;
  report.push('', proven && migration.notCarried.length === 0
    ? 'PROVEN: the HTTPRoutes route every request as the Ingresses do'
    : proven ? 'PROVEN for routing, with the leftovers above to carry by hand'
      : !changed && proof.divergences.length === 0 ? 'NOT PROVEN: the models route alike, but the reader warnings above name what they leave out'
        : 'NOT PROVEN: see the differences above');

  if (outFile !== undefined) {
    writeFileAtomic(outFile, text);
    io.out(report.join('\n'));
  } else {
    io.out(text.replace(/\n$/, ''));
    io.err(report.join('\n'));
  }
  return proven && migration.notCarried.length === 0 ? 0 : 1;
}
