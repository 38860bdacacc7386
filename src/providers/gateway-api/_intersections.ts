// Gateway API precedence by intersection rules (internal): how the renderer keeps the
// first-match order of the routing model in an HTTPRoute, whose rules are chosen by
// precedence (Exact path > longest PathPrefix > method > most headers > most query
// parameters; ties by list order; _precedence.ts).
//
// When a match m1 of an earlier model rule R1 would be outranked by a match m2 of a later rule
// R2 with another action, and some request may satisfy both, the renderer adds the
// intersection m1 AND m2 to R1's matches: the more specific path (when one path contains the
// other), the union of header and query parameter matches, the method. Its precedence is at
// least m2's on every criterion, and R1 comes first in the list, so it takes every request
// both match, as the model does. Intersections can themselves be outranked by later rules:
// repeated until no pair is left (a fixpoint), within the CRD's match limits.
//
// Why it is exact: let a request reach R_i first in the model, and let the Gateway API choose a
// match e of a later rule R_j with another action. Take f, a match of R_i's (intersections
// included) that takes the request with the highest precedence. e outranks f (a tie goes to
// R_i, listed first), both take the request, so the fixpoint holds f AND e among R_i's
// matches (or a subset of f holding f AND e that ranks as high, below): it takes the request and
// ranks at least as e, above f. A contradiction.
//
// The added match need not be the exact intersection: any subset of m1 that holds m1 AND m2
// and ranks at least as m2 does. So where one header or query parameter would need two
// regular expressions at once (which one match cannot hold), it keeps m1's: the match is m1
// with m2's other conditions, as many header and query parameter matches as the intersection.
//
// What has no such match refuses the model, naming the two rules: a RegularExpression path (a
// character prefix renders as one) against another path (the spec leaves its precedence to
// the implementation), a character prefix path against a whole-segment one.
import { compareMatchPrecedence, httpMatchPrecedence, MatchPrecedence } from './_precedence';
import { renderHttpMatch } from './renderer';
import { MatchCondition, MatchField, RequestMatch, StringMatch, StringMatchType } from '../../model/request-match';
import { RouteRule } from '../../model/routing-model';

/** A pair of model rules the Gateway API cannot keep in first-match order. */
export interface PrecedenceConflict {
  /** The earlier rule (it wins in the model). */
  readonly first: RouteRule;
  /** Its match (an intersection when the conflict arose from one); undefined: every request. */
  readonly firstMatch?: RequestMatch;
  /** The later rule the Gateway API may prefer. */
  readonly later: RouteRule;
  /** Its match. */
  readonly laterMatch?: RequestMatch;
  /** Why the Gateway API prefers the later match (or that it may). */
  readonly why: string;
  /** 'implementation-specific' (a RegularExpression path), 'unwritable' intersection, or 'limit'. */
  readonly kind: 'implementation-specific' | 'unwritable' | 'limit';
  /** What cannot be written, or the limit exceeded. */
  readonly detail: string;
}

/** The rules with the intersections added to their matches, or the first conflict. */
export interface Expansion {
  /** The rules in model order; a rule with intersections is a copy with more matches. */
  readonly rules: RouteRule[];
  /** Set when the model cannot be rendered in first-match order. */
  readonly conflict?: PrecedenceConflict;
  /** The number of intersections added. */
  readonly added: number;
}

/** The limits the expansion must stay within. */
export interface ExpansionLimits {
  /** Matches per rule. */
  readonly perRule: number;
  /** Matches per route (rules without matches count one). */
  readonly perRoute: number;
}

interface Entry {
  readonly pos: number;
  readonly match: RequestMatch | undefined;
  readonly prec: MatchPrecedence;
}

type Intersection = RequestMatch | undefined | 'empty' | { readonly unwritable: string };

/**
 * Adds to each rule the intersections that keep the first-match order (see the top comment).
 * `sendsAlike` says when two rules send traffic alike (their order does not matter).
 */
export function expandHttpPrecedence(rules: RouteRule[], sendsAlike: (a: RouteRule, b: RouteRule) => boolean, limits: ExpansionLimits): Expansion {
  const entry = (pos: number, match: RequestMatch | undefined): Entry => ({
    pos, match, prec: httpMatchPrecedence(match ? renderHttpMatch(match) : {}),
  });
  const entries: Entry[] = rules.flatMap((r, pos) => ((r.matches ?? []).length > 0 ? r.matches!.map(m => entry(pos, m)) : [entry(pos, undefined)]));
  const seen = new Set(entries.map(e => `${e.pos}|${e.match?.key ?? '*'}`));
  const perRule = rules.map(r => Math.max(1, (r.matches ?? []).length));
  let total = perRule.reduce((a, b) => a + b, 0);
  const added: RequestMatch[][] = rules.map(() => []);
  // Every pair once, new entries included: the array grows while it is walked.
  for (let j = 1; j < entries.length; j++) {
    for (let i = 0; i < j; i++) {
      if (entries[i].pos === entries[j].pos) continue;
      const [a, b] = entries[i].pos < entries[j].pos ? [entries[i], entries[j]] : [entries[j], entries[i]];
      const first = rules[a.pos];
      const later = rules[b.pos];
      if (sendsAlike(first, later)) continue;
      const order = compareMatchPrecedence(b.prec, a.prec);
      if (order !== undefined && order >= 0) continue;
      if (disjoint(a.match, b.match)) continue;
      const conflict = (kind: PrecedenceConflict['kind'], detail: string): Expansion => ({
        rules,
        added: 0,
        conflict: { first, firstMatch: a.match, later, laterMatch: b.match, kind, detail, why: order === undefined ? 'the precedence of a RegularExpression path is implementation-specific' : reason(b.prec, a.prec) },
      });
      if (order === undefined) return conflict('implementation-specific', 'a RegularExpression path (a character prefix renders as one) ranks against other paths as each implementation decides');
      const x = intersect(a.match, b.match);
      if (x === 'empty') continue;
      if (x !== undefined && !(x instanceof RequestMatch)) return conflict('unwritable', x.unwritable);
      const key = `${a.pos}|${x?.key ?? '*'}`;
      if (seen.has(key)) continue;
      seen.add(key);
      perRule[a.pos]++;
      total++;
      if (perRule[a.pos] > limits.perRule) {
        return conflict('limit', `the intersections that keep the order take at least ${perRule[a.pos]} matches in one route rule, where the HTTPRoute CRD allows ${limits.perRule}`);
      }
      if (total > limits.perRoute) {
        return conflict('limit', `the intersections that keep the order take at least ${total} matches in one route, where a route takes at most ${limits.perRoute} (the HTTPRoute CRD's rule on all matches)`);
      }
      added[a.pos].push(x!);
      entries.push(entry(a.pos, x));
    }
  }
  const count = added.reduce((n, x) => n + x.length, 0);
  if (count === 0) return { rules, added: 0 };
  return {
    added: count,
    // A rule without matches takes every request: it keeps an empty match (`{}`, PathPrefix `/`).
    rules: rules.map((r, pos) => {
      if (added[pos].length === 0) return r;
      const own = (r.matches ?? []).length > 0 ? r.matches! : [RequestMatch._ofConditions([])];
      return { ...r, matches: [...own, ...added[pos]] };
    }),
  };
}

/** Whether two rules send traffic the same way (then which of them takes a request does not matter). */
export function sameAction(a: RouteRule, b: RouteRule): boolean {
  const key = (r: RouteRule) => JSON.stringify([r.destinations.map(d => [d.host ?? '', d.version ?? '', d.weight]), r.mirror ? [r.mirror.host ?? '', r.mirror.version, r.mirror.percent] : null, r.removeRequestHeaders ?? [], r.headers ?? null, r.timeout?.toMilliseconds({ integral: false }) ?? null, r.retries ? { ...r.retries, perTryTimeout: r.retries.perTryTimeout?.toMilliseconds({ integral: false }) } : null]);
  return key(a) === key(b);
}

/** The rules with their intersections, for a renderer that checked them (the service's `checkRule`). */
export function withIntersections(rules: RouteRule[], limits: ExpansionLimits): RouteRule[] {
  return expandHttpPrecedence(rules, sameAction, limits).rules;
}

/** Why `winner` outranks `loser` under Gateway API precedence. */
export function reason(winner: MatchPrecedence, loser: MatchPrecedence): string {
  if (winner.kind === 'grpc') {
    if (winner.grpcService !== loser.grpcService) return 'it matches a longer service name';
    if (winner.grpcMethod !== loser.grpcMethod) return 'it matches a longer method name';
    return 'it has more header matches';
  }
  if (winner.pathType !== loser.pathType) return 'an Exact path outranks a path prefix';
  if (winner.pathValue!.length !== loser.pathValue!.length) return 'a longer path prefix outranks a shorter one';
  if (winner.method !== loser.method) return 'a method match outranks none';
  if (winner.headers !== loser.headers) return 'more header matches outrank fewer';
  return 'more query parameter matches outrank fewer';
}

/**
 * The requests both matches take, as one match (or a subset of `a` that holds them and has the
 * same conditions' slots, where one slot would need two regular expressions): `undefined` for
 * every request, 'empty' when no request satisfies both, `{ unwritable }` when the Gateway API
 * has no match for it.
 */
export function intersect(a: RequestMatch | undefined, b: RequestMatch | undefined): Intersection {
  if (!a) return b;
  if (!b) return a;
  const out: MatchCondition[] = [...a.conditions];
  for (const cb of b.conditions) {
    const i = out.findIndex(ca => ca.field === cb.field && ca.name === cb.name);
    if (i < 0) {
      out.push(cb);
      continue;
    }
    const both = combine(out[i], cb);
    if (both === 'empty' || !('field' in both)) return both;
    out[i] = both;
  }
  return RequestMatch._ofConditions(out);
}

/** Two conditions on one slot as one condition. */
function combine(a: MatchCondition, b: MatchCondition): MatchCondition | 'empty' | { readonly unwritable: string } {
  const x = a.match;
  const y = b.match;
  const T = StringMatchType;
  if (x.type === y.type && x.value === y.value) return a;
  if (a.field === MatchField.METHOD) return 'empty';
  if (a.field === MatchField.URI) {
    // A path of `/` (PathPrefix `/`, or the character prefix `/`, rendered as PathPrefix `/`) takes every path.
    const everyPath = (m: StringMatch) => (m.type === T.PATH_PREFIX || m.type === T.PREFIX) && m.value === '/';
    if (everyPath(x)) return b;
    if (everyPath(y)) return a;
    if (x.type === T.EXACT) return y.matches(x.value) ? a : 'empty';
    if (y.type === T.EXACT) return x.matches(y.value) ? b : 'empty';
    if (x.type === T.PATH_PREFIX && y.type === T.PATH_PREFIX) {
      if (y.matches(x.value)) return a;
      if (x.matches(y.value)) return b;
      return 'empty';
    }
    return { unwritable: `the paths ${x} and ${y} have no Gateway API intersection (a character prefix renders as a RegularExpression path)` };
  }
  // A header or query parameter.
  if (x.type === T.PRESENT) return b;
  if (y.type === T.PRESENT) return a;
  if (x.type === T.EXACT) return y.matches(x.value) ? a : 'empty';
  if (y.type === T.EXACT) return x.matches(y.value) ? b : 'empty';
  if (x.type === T.PREFIX && y.type === T.PREFIX) {
    if (x.value.startsWith(y.value)) return a;
    if (y.value.startsWith(x.value)) return b;
    return 'empty';
  }
  // Two regular expressions (a prefix renders as one) one match cannot hold: the earlier one's.
  // Not the intersection but a subset of the earlier match that holds it, with as many header
  // and query parameter matches: all the fixpoint needs (see the top comment).
  return a;
}

/**
 * Whether no request satisfies both matches, as the provider proved it before intersections
 * (kept first so that what rendered before renders the same). `undefined`: every request.
 */
export function disjoint(a: RequestMatch | undefined, b: RequestMatch | undefined): boolean {
  if (!a || !b) return false;
  for (const ca of a.conditions) {
    for (const cb of b.conditions) {
      if (ca.field !== cb.field || ca.name !== cb.name) continue;
      if (ca.field === MatchField.WITHOUT_HEADER || ca.field === MatchField.SOURCE_LABEL) continue;
      if (disjointStrings(ca.match, cb.match)) return true;
    }
  }
  return false;
}

function disjointStrings(a: StringMatch, b: StringMatch): boolean {
  const T = StringMatchType;
  if (a.type === T.PRESENT || b.type === T.PRESENT) return false;
  if (a.type === T.EXACT) return !b.matches(a.value);
  if (b.type === T.EXACT) return !a.matches(b.value);
  if (a.type === T.PREFIX && b.type === T.PREFIX) return !a.value.startsWith(b.value) && !b.value.startsWith(a.value);
  return false;
}
