// Probe requests for a host (internal): built from every value the rules of its routings match on
// (each path and its neighbours, each header value, `always`/`never`, cookies alone and among
// others, no value at all) and their combinations. The migration proof sends them through both
// renderings; the traffic diff through both commits, for a cohort one of them lacks.
import { SimulatedRequest } from './route-simulator';
import { MatchField, StringMatchType } from '../model/request-match';
import { ServiceRouting } from '../model/routing-model';

/** The most probes per host; beyond, a seeded sample that still tries every value once. */
const MAX_PROBES = 5000;

/** Probe requests for `host` from the values the routings' rules match on: paths, headers, query parameters and methods. */
export function probes(host: string, routings: ServiceRouting[]): SimulatedRequest[] {
  const requestHost = host === '*' ? 'probe.example.com' : host.replace(/^\*\./, 'probe.');
  const paths = new Set<string>(['/', '/probe']);
  // Each axis: a header, a query parameter or the method, with the values a probe takes on it.
  const axes = new Map<string, { kind: 'header' | 'query' | 'method'; name: string; values: Set<string | undefined> }>();
  const axis = (kind: 'header' | 'query' | 'method', name: string, start: Array<string | undefined>) => {
    const key = `${kind}:${name}`;
    let a = axes.get(key);
    if (!a) {
      a = { kind, name, values: new Set(start) };
      axes.set(key, a);
    }
    return a.values;
  };
  for (const r of routings) {
    for (const rule of r.rules) {
      for (const m of rule.matches ?? []) {
        for (const c of m.conditions) {
          const values = candidates(c.match.type, c.match.value);
          if (c.field === MatchField.URI) {
            for (const v of values) if (v.startsWith('/')) paths.add(v);
          } else if (c.field === MatchField.HEADER && c.name) {
            const set = axis('header', c.name, [undefined, 'always', 'never', 'other']);
            for (const v of c.name === 'cookie' ? cookieCandidates(values) : values) set.add(v);
          } else if (c.field === MatchField.QUERY_PARAM && c.name) {
            const set = axis('query', c.name, [undefined, 'other']);
            for (const v of values) set.add(v);
          } else if (c.field === MatchField.METHOD) {
            // undefined: the simulator's default, GET
            const set = axis('method', '', [undefined, 'POST']);
            for (const v of values) set.add(v);
          }
        }
      }
    }
  }
  const list = [...axes.values()].map(a => ({ ...a, values: [...a.values] }));
  const total = paths.size * list.reduce((n, a) => n * a.values.length, 1);
  const out: SimulatedRequest[] = [];
  const make = (path: string, picks: Array<string | undefined>): SimulatedRequest => {
    const headers: Record<string, string> = {};
    const queryParams: Record<string, string> = {};
    let method: string | undefined;
    list.forEach((a, i) => {
      const v = picks[i];
      if (v === undefined) return;
      if (a.kind === 'header') headers[a.name] = v;
      else if (a.kind === 'query') queryParams[a.name] = v;
      else method = v;
    });
    return {
      host: requestHost,
      path,
      headers,
      ...(Object.keys(queryParams).length > 0 ? { queryParams } : {}),
      ...(method !== undefined ? { method } : {}),
    };
  };
  if (total <= MAX_PROBES) {
    const walk = (path: string, i: number, picks: Array<string | undefined>) => {
      if (i === list.length) {
        out.push(make(path, picks));
        return;
      }
      for (const v of list[i].values) walk(path, i + 1, [...picks, v]);
    };
    for (const p of paths) walk(p, 0, []);
    return out;
  }
  // A seeded sample, after one probe per value of each axis.
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pathList = [...paths];
  for (const p of pathList) out.push(make(p, list.map(() => undefined)));
  list.forEach((a, i) => a.values.forEach(v => out.push(make('/', list.map((_, j) => (j === i ? v : undefined))))));
  while (out.length < MAX_PROBES) {
    out.push(make(pathList[Math.floor(random() * pathList.length)], list.map(a => a.values[Math.floor(random() * a.values.length)])));
  }
  return out;
}

/** Values that match, or nearly match, a string match: the literal parts of a regex and their neighbours. */
function candidates(type: StringMatchType, value: string): string[] {
  if (type === StringMatchType.EXACT) return [value, `${value}x`];
  if (type === StringMatchType.PREFIX) return [value, `${value}x`, `${value}/x`, value.slice(0, -1)];
  if (type === StringMatchType.PATH_PREFIX) return [value, `${value}x`, `${value}/`, `${value}/x`, value.slice(0, -1)];
  if (type !== StringMatchType.REGEX) return [];
  // A case-insensitive group (a cookie name in any case): its text, and its text upper-cased.
  if (/\(\?i:[^()]*\)/.test(value)) {
    return [...candidates(type, value.replace(/\(\?i:([^()]*)\)/g, '$1')), ...candidates(type, value.replace(/\(\?i:([^()]*)\)/g, (_, x: string) => x.toUpperCase()))];
  }
  const literals = (value.match(/(?:\\.|[^\\.^$|?*+()[\]{}])+/g) ?? []).map(l => l.replace(/\\(.)/g, '$1')).filter(l => l.trim() !== '');
  return literals.flatMap(l => [l, `${l}x`, `${l}/x`, `x${l}x`]);
}

/** Cookie headers around the `name=value` literals of cookie regexes. */
function cookieCandidates(values: string[]): string[] {
  return values.filter(v => /^[^=;\s]+=[^;\s]*$/.test(v)).flatMap(v => [v, `a=b; ${v}`, `${v}; a=b`, `x${v}`]);
}
