// `cdk8s-canary validate <files or dirs...> [--format text|json|sarif] [--strict]`: RoutingAnalyzer's rules on any
// YAML, offline, like `istioctl validate` (each object) and `istioctl analyze` (across objects).
//
// Exit codes: 0 valid, 1 errors found (or warnings with --strict), 2 usage or read error.
import { ObjectLocation, objectLine, toSarif } from './_sarif';
import { AnalyzedObject } from '../analyzer/_objects';
import { Finding, Severity } from '../analyzer/finding';
import { readManifestFiles } from '../internal/manifest-files';
import { safeText } from '../internal/safe-text';
import { PROVIDERS } from '../providers/registry';

/** Where the command writes (the CLI's io). */
export interface ValidateIo {
  out(text: string): void;
  err(text: string): void;
}

export const VALIDATE_HELP = `Usage: cdk8s-canary validate <path>... [--format text|json|sarif] [--strict]

Applies Istio's validation rules (the webhook's, as istioctl validate does) and its analyzers'
rules across objects (as istioctl analyze does: subsets, conflicting hosts, pods) to every
VirtualService and DestinationRule in the YAML, offline. Services and Deployments in the same
files are read for the checks across objects.

Options:
  --format F   text (default), json, or sarif: SARIF 2.1.0 for code scanning (GitHub:
               github/codeql-action/upload-sarif), each finding at its file and line
  --json       the same as --format json
  --strict     exit 1 on warnings too

Exit codes: 0 valid, 1 errors found, 2 usage or read error.`;

/** Thrown on a bad command line: the CLI prints the message and the help. */
export class ValidateUsageError extends Error {}

/** Runs `validate` on its arguments (after the command name); returns the exit code. */
export function validateCommand(args: string[], io: ValidateIo): number {
  const paths: string[] = [];
  const flags = new Set<string>();
  let format: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json' || arg === '--strict') {flags.add(arg);} else if (arg === '--format' || arg.startsWith('--format=')) {
      if (format !== undefined) throw new ValidateUsageError('option --format may be given once');
      format = arg === '--format' ? args[++i] : arg.slice('--format='.length);
      if (format === undefined) throw new ValidateUsageError('option --format needs a value: text, json or sarif');
      if (!['text', 'json', 'sarif'].includes(format)) throw new ValidateUsageError(`--format must be text, json or sarif, got ${JSON.stringify(format)}`);
    } else if (arg.startsWith('--')) {throw new ValidateUsageError(`unknown option ${JSON.stringify(arg)}`);} else {paths.push(arg);}
  }
  if (flags.has('--json')) {
    if (format !== undefined && format !== 'json') throw new ValidateUsageError(`--json and --format ${format} contradict each other; give one`);
    format = 'json';
  }
  if (paths.length === 0) throw new ValidateUsageError('validate needs at least one path (a YAML file or directory)');

  // Read every file first: an unreadable file or invalid YAML is a read error (exit 2).
  const objects: AnalyzedObject[] = [];
  const locations = new Map<string, ObjectLocation>();
  const files = readManifestFiles(paths);
  for (const { file, text, objects: read } of files) {
    for (const json of read) {
      const ns = json.metadata?.namespace;
      const source = safeText(`${file}: ${json.kind}/${ns ? `${ns}/` : ''}${json.metadata?.name}`, 400);
      objects.push({ json, source });
      if (format === 'sarif' && !locations.has(source)) {
        const line = typeof json.kind === 'string' && typeof json.metadata?.name === 'string' ? objectLine(text, json.kind, json.metadata.name) : undefined;
        locations.set(source, { file, line });
      }
    }
  }
  const findings = PROVIDERS.plugins.flatMap(p => p.analyzer?.analyze(objects) ?? []);
  const errors = findings.filter(f => f.severity === Severity.ERROR);
  const warnings = findings.filter(f => f.severity === Severity.WARNING);
  const routing = objects.filter(o => PROVIDERS.plugins.some(p => p.analyzer?.validates?.(o.json)));

  if (format === 'sarif') {
    io.out(JSON.stringify(toSarif(findings, locations), undefined, 2));
  } else if (format === 'json') {
    const counts = { files: files.length, objects: routing.length, errors: errors.length, warnings: warnings.length };
    const report = { valid: errors.length === 0, ...counts, findings };
    io.out(JSON.stringify(report, undefined, 2));
  } else {
    const line = (f: Finding) => `${f.severity === Severity.ERROR ? 'Error' : 'Warning'}: ${f.source}: ${f.message} [${f.rule}]`;
    const lines = [...errors.map(line), ...warnings.map(line)];
    const summary = routing.length === 0
      ? `no VirtualService or DestinationRule in ${files.length} file(s)`
      : `${routing.length} VirtualService/DestinationRule object(s) in ${files.length} file(s): ${errors.length} error(s), ${warnings.length} warning(s)`;
    io.out([...lines, summary].join('\n'));
  }
  return errors.length > 0 || (flags.has('--strict') && warnings.length > 0) ? 1 : 0;
}
