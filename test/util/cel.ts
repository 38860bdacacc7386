// The tests' CEL parser: the library's (src/validation/cel.ts), with syntax trees cached on disk.
// The CEL parser takes milliseconds per rule and Gateway API CRDs have dozens of long rules that
// every test file would parse again, so the parsed trees are cached as protobuf binaries under
// node_modules/.cache, keyed by the rule's sha256. Imported for its effect by test/util/schema.ts.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from '@bufbuild/cel';
import { ParsedExprSchema } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { setRuleParser } from '../../src/validation/cel';

const CACHE_DIR = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'cdk8s-canary-test-schemas');

function parseCached(rule: string) {
  const file = path.join(CACHE_DIR, `cel-${createHash('sha256').update(rule).digest('hex')}.pb`);
  try {
    return fromBinary(ParsedExprSchema, fs.readFileSync(file));
  } catch {
    const parsed = parse(rule);
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      fs.writeFileSync(`${file}.${process.pid}.tmp`, toBinary(ParsedExprSchema, parsed));
      fs.renameSync(`${file}.${process.pid}.tmp`, file);
    } catch { /* a cache that cannot be written only costs time */ }
    return parsed;
  }
}

setRuleParser(rule => parseCached(rule) as ReturnType<typeof parse>);

export { compileRule, celFieldName, isTransitionRule, parseRequestUri, toCel } from '../../src/validation/cel';
