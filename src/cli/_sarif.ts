// SARIF 2.1.0 for `cdk8s-canary validate --format sarif`: one run, one result per finding, each
// located at its file and, when found, the line of its object's `kind:`, so that GitHub code
// scanning (github/codeql-action/upload-sarif) annotates the pull request's YAML.
// Schema: schemas/sarif/sarif-schema-2.1.0.json (tested in test/cli/sarif.test.ts).
import * as path from 'path';
import { Finding, Severity } from '../analyzer/finding';

/** Where an analyzed object is: its file and the line its document declares `kind` (1-based). */
export interface ObjectLocation {
  readonly file: string;
  readonly line?: number;
}

const INFORMATION_URI = 'https://github.com/cdk8s-canary/cdk8s-canary';
const RULES_HELP = `${INFORMATION_URI}#routinganalyzer-istios-rules-offline`;

/**
 * The line (1-based) of `kind: <kind>` in the YAML document of `text` that also names
 * `<name>` in its metadata, or undefined when none does (e.g. flow style).
 */
export function objectLine(text: string, kind: string, name: string): number | undefined {
  const lines = text.split(/\r?\n/);
  const quoted = (v: string) => `['"]?${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?`;
  const kindLine = new RegExp(`^kind:\\s*${quoted(kind)}\\s*(#.*)?$`);
  const nameLine = new RegExp(`^\\s+name:\\s*${quoted(name)}\\s*(#.*)?$`);
  let kindAt: number | undefined;
  let named = false;
  for (let i = 0; i <= lines.length; i++) {
    const line = lines[i];
    if (line === undefined || /^---/.test(line)) {
      if (kindAt !== undefined && named) return kindAt + 1;
      kindAt = undefined;
      named = false;
      continue;
    }
    if (kindLine.test(line)) kindAt = i;
    else if (nameLine.test(line)) named = true;
  }
  return undefined;
}

/** A file path as a SARIF `uri`: relative to `base` when below it, with forward slashes, percent-encoded. */
function fileUri(file: string, base: string): { uri: string; uriBaseId?: string } {
  const rel = path.relative(base, path.resolve(file));
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  const abs = path.resolve(file).split(path.sep).map(encodeURIComponent).join('/');
  return { uri: `file://${abs.startsWith('/') ? '' : '/'}${abs}` };
}

/**
 * The SARIF 2.1.0 log of `findings`. `locations` maps a finding's `source` to its object's file
 * and line; `base` is the directory file URIs are relative to (the repository root in CI).
 */
export function toSarif(findings: Finding[], locations: Map<string, ObjectLocation>, base: string = process.cwd()): any {
  const ruleIds = [...new Set(findings.map(f => f.rule))].sort();
  const level = (s: Severity) => (s === Severity.ERROR ? 'error' : 'warning');
  const rules = ruleIds.map(id => {
    const worst = findings.some(f => f.rule === id && f.severity === Severity.ERROR) ? Severity.ERROR : Severity.WARNING;
    return {
      id,
      name: id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
      shortDescription: { text: `cdk8s-canary routing rule ${id}` },
      helpUri: RULES_HELP,
      defaultConfiguration: { level: level(worst) },
    };
  });
  const results = findings.map(f => {
    const where = locations.get(f.source);
    const physical = where
      ? { physicalLocation: { artifactLocation: fileUri(where.file, base), ...(where.line ? { region: { startLine: where.line } } : {}) } }
      : {};
    // The object, as `Kind/namespace/name` (the source without its file).
    const object = where && f.source.startsWith(`${where.file}: `) ? f.source.slice(where.file.length + 2) : f.source;
    return {
      ruleId: f.rule,
      ruleIndex: ruleIds.indexOf(f.rule),
      level: level(f.severity),
      message: { text: `${object}: ${f.message}` },
      locations: [{ ...physical, logicalLocations: [{ fullyQualifiedName: object, kind: 'object' }] }],
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'cdk8s-canary', informationUri: INFORMATION_URI, rules } },
      originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileUri(base)}/` } },
      results,
    }],
  };
}

function pathToFileUri(dir: string): string {
  const abs = path.resolve(dir).split(path.sep).map(encodeURIComponent).join('/');
  return `file://${abs.startsWith('/') ? '' : '/'}${abs}`.replace(/\/$/, '');
}
