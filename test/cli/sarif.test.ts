// `validate --format sarif`, checked against the SARIF 2.1.0 JSON schema vendored in
// schemas/sarif/ (see its README for provenance), with Ajv's draft-04 validator and formats.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { Severity } from '../../src/analyzer/finding';
import { objectLine, toSarif } from '../../src/cli/_sarif';
import { run } from '../util/cli';

const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'));
// unicodeRegExp: false: the schema's `language` pattern (`...{2}]?$`) is valid ECMA-262 only without the u flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validateSarif = ajv.compile(SCHEMA);

function schemaErrors(log: unknown): string[] {
  return validateSarif(log) ? [] : (validateSarif.errors ?? []).map(e => `${e.instancePath} ${e.message}`);
}

const BAD = `# a subset no DestinationRule defines, and a legacy gateway name
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews.example.com]
  gateways: [public.istio-system]
  http:
  - route:
    - destination: {host: reviews, subset: v3}
`;

describe('validate --format sarif', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sarif-'));
    cwd = process.cwd();
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the schema validator rejects what the schema forbids (the test can fail)', () => {
    // GIVEN logs that break the schema: no version, a wrong version, a result without message
    expect(schemaErrors({ runs: [] })).not.toEqual([]);
    expect(schemaErrors({ version: '2.0.0', runs: [] })).not.toEqual([]);
    expect(schemaErrors({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'r' }] }] })).not.toEqual([]);
    expect(schemaErrors({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).not.toEqual([]);
    // and accepts the smallest valid log
    expect(schemaErrors({ version: '2.1.0', runs: [] })).toEqual([]);
  });

  test('writes a SARIF 2.1.0 log valid against the schema, each finding at its file and line', () => {
    // GIVEN a file with an error and a warning, under the current directory
    fs.mkdirSync('dist');
    fs.writeFileSync(path.join('dist', 'bad.yaml'), BAD);
    // WHEN validated with --format sarif
    const r = run('validate', 'dist', '--format', 'sarif');
    // THEN exit 1 (an error), and the log is valid SARIF
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out);
    expect(schemaErrors(log)).toEqual([]);
    const results = log.runs[0].results;
    const byRule = (rule: string) => results.find((x: any) => x.ruleId === rule);
    // the error: its level, message, file relative to the directory, and the line of the VirtualService's kind
    expect(byRule('subset-not-found')).toEqual({
      ruleId: 'subset-not-found',
      ruleIndex: log.runs[0].tool.driver.rules.findIndex((x: any) => x.id === 'subset-not-found'),
      level: 'error',
      message: { text: expect.stringMatching(/^VirtualService\/reviews: http\[0\] routes to subset "v3" of host "reviews"/) },
      locations: [{
        physicalLocation: { artifactLocation: { uri: 'dist/bad.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 13 } },
        logicalLocations: [{ fullyQualifiedName: 'VirtualService/reviews', kind: 'object' }],
      }],
    });
    // the warning
    expect(byRule('vs-gateway-legacy').level).toBe('warning');
    // every rule is described once, with its default level
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.map((x: any) => x.id)).toEqual([...new Set(results.map((x: any) => x.ruleId))].sort());
    expect(rules.find((x: any) => x.id === 'subset-not-found').defaultConfiguration).toEqual({ level: 'error' });
  });

  test('a valid output is an empty, valid log and exit 0', () => {
    fs.writeFileSync('ok.yaml', BAD.replace('subset: v3', 'subset: v1').replace('[public.istio-system]', '[istio-system/public]'));
    const r = run('validate', 'ok.yaml', '--format=sarif');
    expect(r.code).toBe(0);
    const log = JSON.parse(r.out);
    expect(schemaErrors(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
  });

  test('hostile names and paths stay valid SARIF', () => {
    // GIVEN a file name with spaces, '#', '%' and non-ASCII, and an object name with quotes
    const name = 'we ird#%é.yaml';
    fs.writeFileSync(name, BAD.replace(/name: reviews/g, 'name: "re\\"views"'));
    const r = run('validate', name, '--format', 'sarif');
    const log = JSON.parse(r.out);
    expect(schemaErrors(log)).toEqual([]);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('we%20ird%23%25%C3%A9.yaml');
  });

  test('files outside the directory get absolute file URIs', () => {
    const log = toSarif([{ severity: Severity.WARNING, rule: 'r', source: '/elsewhere/a.yaml: VirtualService/x', message: 'm' }],
      new Map([['/elsewhere/a.yaml: VirtualService/x', { file: '/elsewhere/a.yaml' }]]), '/work/repo');
    expect(schemaErrors(log)).toEqual([]);
    expect(log.runs[0].results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'file:///elsewhere/a.yaml' } });
  });

  test.each([
    [['--format', 'xml'], '--format must be text, json or sarif, got "xml"'],
    [['--format'], 'option --format needs a value: text, json or sarif'],
    [['--json', '--format', 'sarif'], '--json and --format sarif contradict each other; give one'],
    [['--format', 'json', '--format', 'sarif'], 'option --format may be given once'],
  ])('fails on %j with its message (exit 2)', (options, message) => {
    fs.writeFileSync('a.yaml', BAD);
    const r = run('validate', 'a.yaml', ...options);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});

describe('objectLine', () => {
  test('finds the kind line of the document naming the object, and nothing for another', () => {
    expect(objectLine(BAD, 'VirtualService', 'reviews')).toBe(13);
    expect(objectLine(BAD, 'DestinationRule', 'reviews')).toBe(3);
    expect(objectLine(BAD, 'VirtualService', 'ratings')).toBeUndefined();
    expect(objectLine('kind: VirtualService\nmetadata: {name: x}\n', 'VirtualService', 'x')).toBeUndefined();
  });
});
