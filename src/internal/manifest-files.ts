// Reading Kubernetes manifests from YAML files and directories (internal, used by the
// RoutingReader, the RoutingAnalyzer and the CLI). The parser is js-yaml (a bundled dependency):
// 13x faster than the `yaml` package cdk8s' `Yaml.load` uses, which dominated `check` and
// `diff` of large outputs (issue 15).
import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { show } from './validation';

/**
 * YAML 1.1 booleans (yes/no/on/off and y/n in any common case), as kubectl's parser and
 * cdk8s' `Yaml.load` (YAML 1.1) read them; js-yaml's core schema knows only true/false.
 */
const BOOL_11 = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);
const BOOL_FIRST = new Set([...BOOL_11].map(b => b.charCodeAt(0)));
const TRUE_11 = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);

/** Core schema (no timestamps: they stay strings, as JSON needs) + YAML 1.1 booleans + merge keys (`<<`). */
const SCHEMA = jsyaml.CORE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      // Called for every plain scalar: the length and first-letter tests reject most at once.
      resolve: (data: string | null) =>
        data !== null && data.length <= 5 && data.length > 0 && BOOL_FIRST.has(data.charCodeAt(0)) && BOOL_11.has(data),
      construct: (data: string) => TRUE_11.has(data),
      predicate: (o: unknown) => typeof o === 'boolean',
    }),
    // js-yaml exports its merge type, @types/js-yaml does not declare it.
    (jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge,
  ],
});

/** The YAML files of a list of files and directories (directories recursively, sorted). */
export function yamlFiles(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/i.test(entry.name)) files.push(full);
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      throw new Error(`cannot read ${show(p)}: ${reason(e)}`);
    }
    if (stat.isDirectory()) {
      const before = files.length;
      walk(p);
      if (files.length === before) throw new Error(`${show(p)} is a directory without *.yaml or *.yml files`);
    } else {
      files.push(p);
    }
  }
  return files;
}

/**
 * The Kubernetes objects of YAML files and directories, in file order. `kind: List` objects
 * are flattened. Throws, naming the file and document, on unreadable files, YAML syntax
 * errors and documents that are not Kubernetes objects.
 */
export function loadManifests(paths: string[]): any[] {
  const objects: any[] = [];
  for (const file of yamlFiles(paths)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${show(file)}: ${reason(e)}`);
    }
    objects.push(...parseManifests(text, file));
  }
  return objects;
}

/** The Kubernetes objects of one YAML text; `file` names it in errors. */
export function parseManifests(text: string, file: string): any[] {
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, { schema: SCHEMA, filename: file });
  } catch (e) {
    throw e instanceof jsyaml.YAMLException ? new Error(yamlError(e, text, file)) : e;
  }
  const objects: any[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const where = `${file}: document ${i + 1}`;
    checkObject(where, doc);
    const items = (doc as any).items;
    if ((doc as any).kind === 'List' && !Array.isArray(items)) throw new Error(`${where} is a List without an items array`);
    if (((doc as any).kind as string).endsWith('List') && Array.isArray(items)) {
      items.forEach((item: unknown, j: number) => {
        checkObject(`${where}, item ${j + 1}`, item);
        objects.push(item);
      });
    } else {
      objects.push(doc);
    }
  });
  return objects;
}

/** Throws unless `doc` looks like a Kubernetes object (apiVersion and kind strings). */
export function checkObject(where: string, doc: unknown): void {
  const o = doc as any;
  if (typeof o !== 'object' || Array.isArray(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    const text = show(doc);
    throw new Error(`${where} is not a Kubernetes object (an object with apiVersion and kind), got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`);
  }
}

/**
 * A YAML syntax error as `<file>: document N is not valid YAML: <reason> at line L, column C:`,
 * followed by the offending line and a caret under the column.
 */
function yamlError(e: jsyaml.YAMLException, text: string, file: string): string {
  const mark = e.mark as jsyaml.Mark | undefined;
  if (!mark) return `${file}: not valid YAML: ${e.reason}`;
  const lines = text.split(/\r?\n/);
  // The document: count the `---` markers above the line; content before the first marker is document 1.
  let doc = 0;
  let content = false;
  for (let i = 0; i <= Math.min(mark.line, lines.length - 1); i++) {
    const l = lines[i];
    if (/^---(\s|$)/.test(l)) {
      if (i < mark.line || mark.column > 0) doc++;
      content = false;
    } else if (!content && doc === 0 && l.trim() !== '' && !/^\s*#/.test(l) && !l.startsWith('%')) {
      doc = 1;
      content = true;
    }
  }
  const line = lines[mark.line] ?? '';
  const shown = line.length > 120 ? `${line.slice(0, 117)}...` : line;
  return `${file}: document ${Math.max(doc, 1)} is not valid YAML: ${e.reason} at line ${mark.line + 1}, column ${mark.column + 1}:\n`
    + `  ${mark.line + 1} | ${shown}\n`
    + `  ${' '.repeat(String(mark.line + 1).length)} | ${' '.repeat(Math.min(mark.column, shown.length))}^`;
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file or directory';
  if (err.code === 'EACCES') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a directory';
  return err.message ?? String(e);
}
