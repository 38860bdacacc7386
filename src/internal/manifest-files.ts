// Reading Kubernetes manifests from YAML files and directories (internal, used by the
// IstioReader and the CLI). No runtime dependency of our own: the YAML parser is the one
// cdk8s ships and its `Yaml.load` uses.
import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { show } from './validation';

/** What we need of the `yaml` package's parser (cdk8s bundles it). */
interface YamlParser {
  parseAllDocuments(source: string, options: { version: '1.1' }): Array<{ errors: Array<{ message: string }>; toJSON(): unknown }> | { errors: unknown[] };
}

let parser: YamlParser | null | undefined;

/**
 * cdk8s' own copy of `yaml` (what `Yaml.load` parses with), so that syntax errors are
 * reported rather than dropped; `undefined` when it cannot be found.
 */
function yamlParser(): YamlParser | undefined {
  if (parser === undefined) {
    try {
      const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json'));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      parser = require(require.resolve('yaml', { paths: [cdk8sDir] })) as YamlParser;
    } catch {
      parser = null;
    }
  }
  return parser ?? undefined;
}

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
  const yaml = yamlParser();
  let docs: unknown[];
  if (yaml) {
    const parsed = yaml.parseAllDocuments(text, { version: '1.1' });
    if (!Array.isArray(parsed)) throw new Error(`${file}: not a YAML stream`);
    docs = parsed.map((d, i) => {
      if (d.errors.length > 0) throw new Error(`${file}: document ${i + 1} is not valid YAML: ${d.errors[0].message.split('\n')[0]}`);
      return d.toJSON();
    });
  } else {
    docs = Yaml.load(file);
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

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file or directory';
  if (err.code === 'EACCES') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a directory';
  return err.message ?? String(e);
}
