// Reading Kubernetes manifests from YAML files and directories (internal, used by the
// RoutingReader, the RoutingAnalyzer and the CLI). The parser is js-yaml (a bundled dependency):
// 13x faster than the `yaml` package cdk8s' `Yaml.load` uses, which dominated `check` and
// `diff` of large outputs (issue 15).
import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { safeText } from './safe-text';
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

/**
 * How much the reader reads: a cap per file and one over all files of a command, so that a
 * file linked to /dev/zero, or a pull request of gigabytes, ends in an error, not in memory
 * exhaustion. Raised on the command line with --max-file-size and --max-total-size.
 */
export interface ReadLimits {
  /** @default 64 MiB */
  readonly maxFileBytes: number;
  /** @default 256 MiB */
  readonly maxTotalBytes: number;
}

// A mesh of 5,000 services synthesizes to about 20 MiB in one file (bench/cli.js reads it).
export const DEFAULT_READ_LIMITS: ReadLimits = { maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024 };

let limits: ReadLimits = DEFAULT_READ_LIMITS;

/** Sets the limits of the reads that follow (a command sets them from its flags); returns the previous ones. */
export function setReadLimits(next: ReadLimits): ReadLimits {
  const previous = limits;
  limits = next;
  return previous;
}

/** A size flag's value: bytes, or a number with K, M or G (binary: KiB, MiB, GiB). */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+)\s*(k|ki|kib|m|mi|mib|g|gi|gib)?b?$/i.exec(text.trim());
  const unit = m?.[2]?.[0]?.toLowerCase();
  const n = m ? Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${flag} must be a size in bytes, or with K, M or G (e.g. 64M), got ${show(text)}`);
  return n;
}

/**
 * Removes --max-file-size and --max-total-size (every command takes them) from a command
 * line: the remaining arguments and the limits they set. Throws on a bad size.
 */
export function takeReadLimitFlags(args: string[]): { args: string[]; limits: ReadLimits } {
  const rest: string[] = [];
  let { maxFileBytes, maxTotalBytes } = DEFAULT_READ_LIMITS;
  let total: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const m = /^--(max-file-size|max-total-size)(?:=(.*))?$/.exec(arg);
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (!m) {
      rest.push(arg);
      continue;
    }
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new Error(`option --${m[1]} needs a value`);
    if (m[1] === 'max-file-size') maxFileBytes = parseSize(m[1], value);
    else total = parseSize(m[1], value);
  }
  // A file may be as large as all files may be.
  maxTotalBytes = Math.max(total ?? maxTotalBytes, maxFileBytes);
  if (total !== undefined && total < maxFileBytes) maxFileBytes = total;
  return { args: rest, limits: { maxFileBytes, maxTotalBytes } };
}

/** The file extensions read in directories (kubectl -R reads the same). */
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** A file to read: the path as found (for messages) and its resolved path (what is opened). */
interface FoundFile {
  readonly file: string;
  readonly real: string;
}

/** A path for a message: printable, not quoted (paths in errors read `dist/a.yaml: document 2 ...`). */
function name(p: string): string {
  return safeText(p, 1000);
}

function inside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The manifest files of a list of files and directories: directories recursively (sorted by
 * name) for *.yaml, *.yml and *.json, as kubectl -R. Only regular files are read. A symbolic
 * link is followed only when it resolves inside the directory given (a path given that is
 * itself a link: inside the directory holding it); otherwise it is an error naming the link,
 * never its target or content.
 */
function findFiles(paths: string[]): FoundFile[] {
  const files: FoundFile[] = [];
  const visited = new Set<string>();
  const outside = (link: string, root: string) =>
    new Error(`${show(link)} is a symbolic link to a path outside ${show(root)}; refused (links are followed only inside the directory given)`);
  const realOf = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch (e) {
      throw new Error(`cannot read ${show(p)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a broken symbolic link' : reason(e)}`);
    }
  };
  const walk = (dir: string, real: string, root: string, rootReal: string) => {
    if (visited.has(real)) return;
    visited.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`cannot read ${show(dir)}: ${reason(e)}`);
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      const manifest = MANIFEST_FILE.test(entry.name);
      if (entry.isDirectory()) {
        walk(full, path.join(real, entry.name), root, rootReal);
      } else if (entry.isSymbolicLink()) {
        const target = realOf(full);
        const stat = fs.statSync(target);
        if (!stat.isDirectory() && !manifest) continue;
        if (!inside(target, rootReal)) throw outside(full, root);
        if (stat.isDirectory()) walk(full, target, root, rootReal);
        else if (stat.isFile()) files.push({ file: full, real: target });
        else throw new Error(`${show(full)} is ${kindOf(stat)}; only regular files are read`);
      } else if (manifest) {
        if (!entry.isFile()) throw new Error(`${show(full)} is ${kindOf(fs.lstatSync(full))}; only regular files are read`);
        files.push({ file: full, real: path.join(real, entry.name) });
      }
    }
  };
  for (const p of paths) {
    let lstat: fs.Stats;
    try {
      lstat = fs.lstatSync(p);
    } catch (e) {
      throw new Error(`cannot read ${show(p)}: ${reason(e)}`);
    }
    let real = realOf(p);
    if (lstat.isSymbolicLink()) {
      const parent = realOf(path.dirname(p));
      if (!inside(real, parent)) throw outside(p, path.dirname(p));
    }
    const stat = fs.statSync(real);
    if (stat.isDirectory()) {
      const before = files.length;
      walk(p, real, p, real);
      if (files.length === before) throw new Error(`${show(p)} is a directory without *.yaml, *.yml or *.json files`);
    } else if (stat.isFile()) {
      files.push({ file: p, real });
    } else {
      throw new Error(`${show(p)} is ${kindOf(stat)}; only regular files are read`);
    }
  }
  return files;
}

/** The manifest files of a list of files and directories; see `readManifestFiles`. */
export function yamlFiles(paths: string[]): string[] {
  return findFiles(paths).map(f => f.file);
}

/**
 * Reads one regular file, at most `max` bytes: opened without blocking (a FIFO swapped in
 * after the check cannot hang) and checked again once open.
 */
function readCapped(found: FoundFile, max: number): string {
  let fd: number;
  try {
    // eslint-disable-next-line no-bitwise
    fd = fs.openSync(found.real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (e) {
    throw new Error(`cannot read ${show(found.file)}: ${reason(e)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${show(found.file)} is ${kindOf(stat)}; only regular files are read`);
    const tooLarge = () => new Error(`${show(found.file)} is larger than ${max} bytes, the most read ${max === limits.maxFileBytes ? 'from one file' : 'in all'}; raise the limit with --max-file-size or --max-total-size if the file is expected`);
    if (stat.size > max) throw tooLarge();
    // Read to the end, whatever the size said (files in /proc say 0), never past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    const buffer = Buffer.alloc(Math.min(max + 1, Math.max(stat.size + 1, 64 * 1024)));
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw tooLarge();
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** One file's objects. */
export interface ManifestFile {
  readonly file: string;
  readonly objects: any[];
  /** The file's text, as read within the limits (e.g. for line numbers). */
  readonly text: string;
}

/**
 * The Kubernetes objects of files and directories, file by file (see `findFiles` for what is
 * read), within the read limits. Throws naming the file (and line) on anything unreadable.
 */
export function readManifestFiles(paths: string[]): ManifestFile[] {
  const out: ManifestFile[] = [];
  let left = limits.maxTotalBytes;
  for (const found of findFiles(paths)) {
    const text = readCapped(found, Math.min(limits.maxFileBytes, left));
    left -= Buffer.byteLength(text, 'utf8');
    out.push({ file: found.file, text, objects: /\.json$/i.test(found.file) ? parseJsonManifests(text, found.file) : parseManifests(text, found.file) });
  }
  return out;
}

/**
 * The Kubernetes objects of YAML and JSON files and directories, in file order. `kind: List`
 * objects are flattened. Throws, naming the file and document, on unreadable files, YAML syntax
 * errors and documents that are not Kubernetes objects.
 */
export function loadManifests(paths: string[]): any[] {
  const objects: any[] = [];
  for (const f of readManifestFiles(paths)) for (const o of f.objects) objects.push(o);
  return objects;
}

/** The objects of a JSON file: one object (a List flattened) or an array of objects. */
export function parseJsonManifests(text: string, file: string): any[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    const line = text.slice(0, at).split('\n').length;
    throw new Error(`${name(file)}: line ${line} is not valid JSON: ${safeText((e as Error).message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, ''))}`);
  }
  if (Array.isArray(doc)) {
    const objects: any[] = [];
    doc.forEach((item, i) => objects.push(...flatten(`${name(file)}: item ${i + 1}`, item)));
    return objects;
  }
  return flatten(`${name(file)}: document 1`, doc);
}

/**
 * Where JSON.parse stopped in `text` (Node's message does not always say): a scan of the JSON
 * grammar that returns the offset of the first character that cannot continue it.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          ws();
          if (text[i] !== '"') fail();
          value();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') {i++;} else if (text[i] === close) {
          i++;
          return;
        } else {fail();}
      }
    }
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text.charCodeAt(i) < 0x20) fail();
        if (text[i] === '\\') i++;
      }
      if (i >= text.length) fail();
      i++;
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i;
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, text.length) : 0;
  }
}

/** A document, or the items of a List; throws naming `where` unless each is a Kubernetes object. */
function flatten(where: string, doc: unknown): any[] {
  checkObject(where, doc);
  const items = (doc as any).items;
  if ((doc as any).kind === 'List' && !Array.isArray(items)) throw new Error(`${where} is a List without an items array`);
  if (((doc as any).kind as string).endsWith('List') && Array.isArray(items)) {
    return items.map((item: unknown, j: number) => {
      checkObject(`${where}, item ${j + 1}`, item);
      return item;
    });
  }
  return [doc];
}

/**
 * go-yaml v3's bound on aliases (what kubectl and Argo CD parse with): once a document has
 * more than 1,000 nodes, more than 100 of them reached through aliases, the share reached
 * through aliases may be at most 99% up to 400,000 nodes, falling to 10% at 4,000,000.
 *
 * @see https://github.com/go-yaml/yaml/blob/v3/decode.go (allowedAliasRatio)
 */
export function allowedAliasRatio(nodes: number): number {
  if (nodes <= 400_000) return 0.99;
  if (nodes >= 4_000_000) return 0.10;
  return 0.99 - 0.89 * ((nodes - 400_000) / 3_600_000);
}

/**
 * Throws when `doc` uses aliases beyond go-yaml's bound. js-yaml shares an aliased node instead
 * of copying it, so the document stays small in memory; a reader walking it, though, would walk
 * each alias again (a 342-byte billion laughs is 10^9 nodes). Counted without walking twice.
 */
function checkAliasing(where: string, doc: unknown): void {
  const expanded = new Map<object, number>();
  let unique = 0;
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = expanded.get(v);
    if (known !== undefined) return known;
    expanded.set(v, 1);
    unique++;
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child === null || typeof child !== 'object') unique++;
      n += size(child);
    }
    expanded.set(v, n);
    return n;
  };
  const nodes = size(doc);
  const aliased = nodes - unique;
  if (aliased > 100 && nodes > 1000 && aliased / nodes > allowedAliasRatio(nodes)) {
    throw new Error(`${where} contains excessive aliasing: ${aliased} of ${nodes} nodes are reached through YAML aliases (kubectl refuses the same)`);
  }
}

/** The line each document of a YAML stream starts on (1-based), by its `---` markers. */
function documentLines(text: string): number[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let pending = true;
  lines.forEach((l, i) => {
    if (/^---(\s|$)/.test(l)) {
      starts.push(i + 1);
      pending = false;
    } else if (pending && starts.length === 0 && l.trim() !== '' && !/^\s*#/.test(l) && !l.startsWith('%')) {
      starts.push(i + 1);
      pending = false;
    }
  });
  return starts;
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
  let lines: number[] | undefined;
  const anchors = text.includes('&');
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    // The common case, a plain object without aliases, needs no name for errors (no line search).
    const o = doc as any;
    if (!anchors && typeof o === 'object' && !Array.isArray(o) && typeof o.apiVersion === 'string' && typeof o.kind === 'string' && !o.kind.endsWith('List')) {
      objects.push(o);
      return;
    }
    lines ??= documentLines(text);
    const line = lines[i];
    const where = `${name(file)}: document ${i + 1}${line ? ` (line ${line})` : ''}`;
    // An alias needs an anchor (`&name`): a text without '&' has none to count.
    if (anchors) checkAliasing(where, doc);
    objects.push(...flatten(where, doc));
  });
  return objects;
}

/** Throws unless `doc` looks like a Kubernetes object (apiVersion and kind strings). */
export function checkObject(where: string, doc: unknown): void {
  const o = doc as any;
  if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    throw new Error(`${where} is not a Kubernetes object (an object with apiVersion and kind), got ${safeText(show(doc), 80)}`);
  }
}

/**
 * A YAML syntax error as `<file>: document N is not valid YAML: <reason> at line L, column C:`,
 * followed by the offending line and a caret under the column.
 */
function yamlError(e: jsyaml.YAMLException, text: string, file: string): string {
  const mark = e.mark as jsyaml.Mark | undefined;
  if (!mark) return `${name(file)}: not valid YAML: ${safeText(e.reason)}`;
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
  const shown = safeText(line, 120);
  return `${name(file)}: document ${Math.max(doc, 1)} is not valid YAML: ${safeText(e.reason)} at line ${mark.line + 1}, column ${mark.column + 1}:\n`
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
