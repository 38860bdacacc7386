import * as path from 'path';
import { evaluate, loadAnalyses } from '../../src/analysis/_evaluate';
import { PrometheusClient, QueryAnswer } from '../../src/analysis/_prometheus';

// Prometheus answers a real server cannot give for consistent data (a success rate above 100%
// needs a custom source whose errors outnumber its requests): the decision is tested on them
// through a client that answers every query from a table.
const DIST = path.join(__dirname, '..', '..', 'examples', 'automated-canary', 'dist', '04-v2-at-20.k8s.yaml');

function answering(answer: (promql: string) => QueryAnswer): PrometheusClient {
  return { query: async (promql: string) => answer(promql) } as unknown as PrometheusClient;
}

describe('evaluate: values a check cannot take', () => {
  const [doc] = loadAnalyses([DIST]);
  const at = new Date(Date.parse(doc.state.since!) + 10 * 60_000);
  // The check a query judges: the longest check query it holds (vs-stable holds the success rate's).
  const checkOf = (promql: string) => [...doc.checks].sort((a, b) => b.promql.length - a.promql.length).find(c => promql.includes(c.promql));
  const GOOD: { [name: string]: number } = { 'success-rate': 99.9, 'success-rate-vs-stable': 0, 'latency-p99': 100 };
  const healthy = (promql: string): QueryAnswer => {
    const check = /^(min|max)_over_time/.test(promql) ? checkOf(promql) : undefined;
    if (check) return { value: GOOD[check.name] };
    if (promql.startsWith('count_over_time')) return { value: 10 };
    if (promql.includes('resets(')) return { value: 0 };
    if (promql.includes('response_code')) return { value: 1 };
    return { value: 1000 };
  };

  test.each([
    ['a success rate above 100%', 'success-rate', 150],
    ['a negative success rate', 'success-rate', -3],
    ['a negative latency', 'latency-p99', -1],
  ])('%s fails the check, never passes it', async (_what, name, impossible) => {
    // GIVEN every query healthy but one check's value impossible
    const prometheus = answering(q => (/^(min|max)_over_time/.test(q) && checkOf(q)?.name === name ? { value: impossible } : healthy(q)));
    // WHEN evaluated
    const verdict = await evaluate(doc, doc.state, prometheus, at);
    // THEN the check fails, naming the impossible value
    const check = verdict.checks.find(c => c.name === name)!;
    expect(check.passed).toBe(false);
    expect(check.problem).toContain('is impossible for this check');
    expect(verdict.verdict).not.toBe('advance');
  });

  test('the same answers with possible values advance or hold, so the test can fail', async () => {
    const verdict = await evaluate(doc, doc.state, answering(healthy), at);
    expect(verdict.checks.every(c => c.passed)).toBe(true);
  });
});
