// `cdk8s-canary validate <files or dirs...> [--format text|json|sarif] [--strict]`: every object of
// a kind a provider plug-in declares (ProviderPlugin.validation) against its schema (the CRD's
// openAPIV3Schema and CEL rules, or the Kubernetes v1.35 OpenAPI; src/validation), the data
// planes' own checks (ingress-nginx's annotation validation), and RoutingAnalyzer's rules, offline,
// like `istioctl validate` (each object) and `istioctl analyze` (across objects).
//
// Exit codes: 0 valid, 1 errors found (or warnings with --strict), 2 usage or read error.
import { ObjectLocation, objectLine, toSarif } from './_sarif';
import { AnalyzedObject } from '../analyzer/_objects';
import { Finding, Severity } from '../analyzer/finding';
import { readManifestFiles } from '../internal/manifest-files';
import { safeText } from '../internal/safe-text';
import { PROVIDERS } from '../providers/registry';
import { bundledVersions, schemaIssues } from '../validation/validator';

/** The longest finding message printed whole in text output (messages quote input, each value cut at 200). */
const MAX_MESSAGE = 4000;

/** Where the command writes (the CLI's io). */
export interface ValidateIo {
  out(text: string): void;
  err(text: string): void;
}

export const VALIDATE_HELP = `Usage: cdk8s-canary validate <path>... [--format text|json|sarif] [--strict]

Validates every object of these kinds in the files, offline, as the API server and the data
planes would:
- against its schema, rejecting wrong types, unknown fields, values outside an enum, a range, a
  pattern or a size [schema], and the CRD's CEL rules [cel]: Gateway API v1.6.1 (standard
  channel) HTTPRoute, GRPCRoute, Gateway, ReferenceGrant; Istio 1.30.3 VirtualService and
  DestinationRule; and, against the Kubernetes v1.35 OpenAPI (one version; the API server's Go
  validations of names and labels are not applied), Service, Deployment, Ingress,
  HorizontalPodAutoscaler (autoscaling/v2) and PodDisruptionBudget (policy/v1);
- ingress-nginx's annotation validation of the annotations cdk8s-canary reads
  [ingress-annotation]: a value it rejects is one the controller ignores;
- Istio's validation rules (the webhook's, as istioctl validate does) and its analyzers' rules
  across objects (as istioctl analyze does: subsets, conflicting hosts, pods), and the Gateway
  API rules. When a schema error and one of these flag the same path, the latter is shown.
Other kinds are read for the checks across objects only.

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
      // A name or namespace that is not a string (hostile or broken input) is shown as missing.
      const ns = typeof json.metadata?.namespace === 'string' ? json.metadata.namespace : undefined;
      const name = typeof json.metadata?.name === 'string' ? json.metadata.name : '(no name)';
      const source = safeText(`${file}: ${json.kind}/${ns ? `${ns}/` : ''}${name}`, 400);
      objects.push({ json, source });
      if (format === 'sarif' && !locations.has(source)) {
        const line = typeof json.kind === 'string' && typeof json.metadata?.name === 'string' ? objectLine(text, json.kind, json.metadata.name) : undefined;
        locations.set(source, { file, line });
      }
    }
  }
  const analyzed = PROVIDERS.plugins.flatMap(p => p.analyzer?.analyze(objects) ?? []);
  const { findings: objectFindings, validated } = validateObjects(objects, analyzed);
  const findings: ValidateFinding[] = [...objectFindings, ...analyzed];
  const errors = findings.filter(f => f.severity === Severity.ERROR);
  const warnings = findings.filter(f => f.severity === Severity.WARNING);
  const routing = objects.filter(o => validated.has(o) || PROVIDERS.plugins.some(p => p.analyzer?.validates?.(o.json)));

  if (format === 'sarif') {
    io.out(JSON.stringify(toSarif(findings, locations), undefined, 2));
  } else if (format === 'json') {
    const counts = { files: files.length, objects: routing.length, errors: errors.length, warnings: warnings.length };
    const report = { valid: errors.length === 0, ...counts, findings };
    io.out(JSON.stringify(report, undefined, 2));
  } else {
    // A message quotes input (names, hosts, values): a newline in it must not start a line of ours.
    const line = (f: Finding) => `${f.severity === Severity.ERROR ? 'Error' : 'Warning'}: ${f.source}: ${safeText(f.message, MAX_MESSAGE)} [${f.rule}]`;
    const lines = [...errors.map(line), ...warnings.map(line)];
    const summary = routing.length === 0
      ? `no object of a validated kind in ${files.length} file(s)`
      : `${routing.length} object(s) validated in ${files.length} file(s): ${errors.length} error(s), ${warnings.length} warning(s)`;
    io.out([...lines, summary].join('\n'));
  }
  return errors.length > 0 || (flags.has('--strict') && warnings.length > 0) ? 1 : 0;
}

/** A finding of `validate`: an analyzer's, or one of an object at a JSON path (schema, CEL, a data plane's check). */
interface ValidateFinding extends Finding {
  /** The JSON path in the object, for the findings of one object. */
  readonly path?: string;
}

/** The path an analyzer's finding starts its message with (`http[0] retries: ...`), if any. */
const ANALYZER_PATH = /^([A-Za-z_][\w.[\]"/-]*(?: [A-Za-z_][\w.[\]"/-]*)*): /;

/**
 * The schema and data-plane findings of each object whose kind a plug-in validates, without
 * those at a path that an analyzer's finding of the same object names (its message is the more
 * precise). Returns the objects validated too.
 */
function validateObjects(objects: AnalyzedObject[], analyzed: Finding[]): { findings: ValidateFinding[]; validated: Set<AnalyzedObject> } {
  const faces = PROVIDERS.plugins.flatMap(p => (p.validation ? [p.validation] : []));
  const kinds = new Set(faces.flatMap(f => f.schemaKinds));
  const flagged = new Map<string, string[]>();
  for (const f of analyzed) {
    const m = ANALYZER_PATH.exec(f.message);
    if (!m) continue;
    const paths = flagged.get(f.source) ?? [];
    // Istio's and the Gateway API's rules name paths under spec.
    const at = m[1].replace(/ /g, '.');
    paths.push(at, `spec.${at}`);
    flagged.set(f.source, paths);
  }
  const covered = (source: string, p: string) => (flagged.get(source) ?? []).includes(p);
  const findings: ValidateFinding[] = [];
  const validated = new Set<AnalyzedObject>();
  for (const o of objects) {
    const { json, source } = o;
    if (typeof json?.apiVersion !== 'string' || typeof json?.kind !== 'string') continue;
    const group = json.apiVersion.includes('/') ? `${json.apiVersion.split('/')[0]}/` : '';
    const issues: Array<{ severity: Severity; rule: string; path: string; message: string }> = [];
    if (kinds.has(`${group}${json.kind}`)) {
      validated.add(o);
      const schema = schemaIssues(json);
      if (schema === undefined) {
        issues.push({ severity: Severity.WARNING, rule: 'schema', path: '<root>', message: `no schema bundled for apiVersion ${JSON.stringify(json.apiVersion)} of kind ${json.kind}: not validated against a schema; bundled: ${bundledVersions(json.kind).join(', ') || 'none'}` });
      } else {
        issues.push(...schema.map(i => ({ severity: i.note ? Severity.WARNING : Severity.ERROR, rule: i.rule, path: i.path, message: i.message })));
      }
    }
    for (const f of faces) {
      const found = f.check?.(json) ?? [];
      if (found.length > 0) validated.add(o);
      issues.push(...found);
    }
    for (const i of issues) {
      if (covered(source, i.path)) continue;
      findings.push({ severity: i.severity, rule: i.rule, source, path: safeText(i.path, 400), message: safeText(`${i.path}: ${i.message}`, 1000) });
    }
  }
  return { findings, validated };
}
