import { probes } from './_probes';
import { describeMatches, describeSplit, fmt, targetLabel } from './_routing-text';
import { RouteExplanation, RouteSimulator, sessionsOfRule } from './route-simulator';
import { MESH_GATEWAY, withoutUndefined } from '../model/_util';
import { MatchField, RequestMatch, StringMatchType } from '../model/request-match';
import { RouteDestination, RouteRule } from '../model/routing-model';
import { PROVIDERS } from '../providers/registry';
import { RoutingInfo } from '../reading/object-index';
import { ReadWarning } from '../reading/read-warning';

/** A share of a route's traffic. */
export interface TrafficShare {
  /** The destination: a version (`v2`), `host/version` for another host, or `host (any pod)`. */
  readonly target: string;

  /** Percent of the route's traffic, 0 to 100. */
  readonly percent: number;
}

/** How a cohort's routing changes. */
export enum CohortChange {
  /** The cohort's rule is new. */
  ADDED = 'added',
  /** The cohort's rule is gone: its requests now fall through to later rules. */
  REMOVED = 'removed',
  /** The cohort's destinations or mirror change. */
  CHANGED = 'changed',
  /** Same destinations and mirror. */
  UNCHANGED = 'unchanged',
}

/** One cohort (a rule's matches) of a host, before and after. */
export interface CohortDiff {
  /** The matches, as `RequestMatch.toString()` joined by ` or ` (`every request` for a catch-all), with any gateways. */
  readonly cohort: string;

  /**
   * The rule's name.
   * @default - unnamed
   */
  readonly ruleName?: string;

  /** Whether this is the default (catch-all) route. */
  readonly isDefault: boolean;

  /** How it changes. */
  readonly change: CohortChange;

  /** The destinations before; empty when the rule is added. */
  readonly before: TrafficShare[];

  /** The destinations after; empty when the rule is removed. */
  readonly after: TrafficShare[];

  /** Percent of the cohort's traffic that reaches another destination (half the sum of the absolute changes). */
  readonly movedPercent: number;

  /**
   * The mirror before, e.g. `v2 10%`.
   * @default - no mirror
   */
  readonly mirrorBefore?: string;

  /**
   * The mirror after.
   * @default - no mirror
   */
  readonly mirrorAfter?: string;

  /**
   * For an added (removed) cohort: whether its requests reached (still reach) the same
   * destinations without the rule, by the simulator on probe requests built from the rules'
   * values. A rule that only restates where its requests went moves no request: for example the
   * matches the Gateway API provider adds to keep the first-match order, read against an Istio
   * rendering of the same routing.
   * @default - not known: the cohort is neither added nor removed, the other side has no routing
   * for the host, or no probe request reaches the rule
   */
  readonly sameDestinations?: boolean;
}

/** How one host's routing changes. */
export interface HostTrafficDiff {
  /** The host (the VirtualService's first host). */
  readonly host: string;

  /** Percent of the default route's traffic that reaches another destination. */
  readonly defaultMovedPercent: number;

  /** Every cohort, in the new rule order, then removed ones. */
  readonly cohorts: CohortDiff[];

  /**
   * When the new default route pins sessions with cookies: the share of new sessions and
   * where returning sessions go (see `RouteExplanation.sessions`); when only the old one did:
   * that stickiness ends.
   * @default - no sticky sessions before or after
   */
  readonly sessions?: string;

  /** One line, e.g. `reviews: default 80/20 v1/v2 -> 50/50 v1/v2 (30% of traffic moves); cohort header end-user exact "jason": v2 -> v2`. */
  readonly summary: string;

  /** A Mermaid flowchart of the new routing, changed edges labelled with their old share. */
  readonly mermaid: string;
}

/** The traffic changes between two synth outputs. */
export interface TrafficDiffResult {
  /** One entry per host routed before or after. */
  readonly hosts: HostTrafficDiff[];

  /** What the reader could not model (see `RoutingReader`). */
  readonly warnings: ReadWarning[];
}

/**
 * What changes for traffic between two synth outputs, per host: which cohorts (matched
 * rules) change destination and how much of the default traffic moves. Works on any
 * VirtualService (see `RoutingReader`).
 */
export class TrafficDiff {
  /** Compares the routing of `previous` and `next` (parsed Kubernetes objects). */
  public static compare(previous: any[], next: any[]): TrafficDiffResult {
    const before = PROVIDERS.index('TrafficDiff.compare: previous', previous);
    const after = PROVIDERS.index('TrafficDiff.compare: next', next);
    const keys = [...new Set([...after.routings.map(r => r.hostKey), ...before.routings.map(r => r.hostKey)])];
    const [oldByHost, newByHost] = [firstByHost(before.routings), firstByHost(after.routings)];
    const hosts = keys.map(k => hostDiff(oldByHost.get(k), newByHost.get(k)));
    return {
      hosts,
      warnings: [...before.warnings.map(w => ({ ...w, source: `previous: ${w.source}` })), ...after.warnings.map(w => ({ ...w, source: `next: ${w.source}` }))],
    };
  }

  /**
   * The result as a table: host, cohort, before, after, change. A cohort longer than 60
   * characters continues on the next lines, one ORed match per line (a match itself is never
   * cut), so that no condition is hidden.
   */
  public static toTable(result: TrafficDiffResult): string {
    const rows = [['HOST', 'COHORT', 'BEFORE', 'AFTER', 'CHANGE']];
    for (const h of result.hosts) {
      for (const c of h.cohorts) {
        const cohort = c.isDefault ? `default (${c.cohort})` : c.cohort;
        const [first, ...more] = cohortLines(cohort, MAX_COHORT_WIDTH);
        rows.push([h.host, first, shareText(c.before, c.mirrorBefore), shareText(c.after, c.mirrorAfter), changeText(c)]);
        for (const line of more) rows.push(['', line, '', '', '']);
      }
    }
    // Continuation lines of a cohort wider than the others do not widen the column.
    const widths = rows[0].map((_, i) => Math.max(...rows.map(r => (i === 1 && r[2] === '' && r[0] === '' ? 0 : r[i].length))));
    const lines = rows.map(r => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
    return [...lines, '', ...result.hosts.map(h => h.summary)].join('\n');
  }

  private constructor() {}
}

/** The widest COHORT line of the table: a cohort of several matches continues on the next lines. */
const MAX_COHORT_WIDTH = 60;

/**
 * The CHANGE cell of a cohort: `unchanged`, `added`, `removed` or how much of its traffic moves.
 * @internal
 */
export function changeText(c: CohortDiff): string {
  return c.change === CohortChange.UNCHANGED ? 'unchanged'
    : c.change === CohortChange.CHANGED ? `${fmt(c.movedPercent)}% of ${c.isDefault ? 'default traffic' : 'the cohort'} moves${mirrorNote(c)}`
      : c.sameDestinations ? `${c.change}, no request moves` : c.change;
}

/**
 * A cohort as lines of at most `width` characters where it can: split after ` or ` outside
 * quoted values, never inside a match, so a long single match stays whole on its line.
 * @internal
 */
export function cohortLines(cohort: string, width: number): string[] {
  if (cohort.length <= width) return [cohort];
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < cohort.length; i++) {
    const ch = cohort[i];
    if (ch === '\\' && quoted) {i++;} else if (ch === '"') {quoted = !quoted;} else if (!quoted && cohort.startsWith(' or ', i)) {
      parts.push(cohort.slice(start, i + 3));
      start = i + 4;
      i += 3;
    }
  }
  parts.push(cohort.slice(start));
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + part.length <= width) lines[last] = `${lines[last]} ${part}`;
    else lines.push(part);
  }
  return lines;
}

function mirrorNote(c: CohortDiff): string {
  return c.mirrorBefore !== c.mirrorAfter ? `; mirror ${c.mirrorBefore ?? 'none'} -> ${c.mirrorAfter ?? 'none'}` : '';
}

/**
 * A BEFORE or AFTER cell: `v1 80, v2 20` (with any mirror), `-` for none.
 * @internal
 */
export function shareText(shares: TrafficShare[], mirror?: string): string {
  if (shares.length === 0) return '-';
  return shares.map(s => `${s.target} ${fmt(s.percent)}`).join(', ') + (mirror ? ` (mirror ${mirror})` : '');
}

interface Cohort {
  readonly key: string;
  readonly rule: RouteRule;
  readonly index: number;
  readonly isDefault: boolean;
}

function cohorts(r: RoutingInfo | undefined): Cohort[] {
  if (!r) return [];
  const rules = r.routing.rules;
  let defaultIndex = -1;
  rules.forEach((rule, i) => {
    if ((rule.matches ?? []).length === 0 && (rule.gateways ?? []).length === 0) defaultIndex = i;
  });
  if (defaultIndex < 0) rules.forEach((rule, i) => { if ((rule.matches ?? []).length === 0) defaultIndex = i; });
  const seen = new Map<string, number>();
  return rules.map((rule, i) => {
    const base = `${[...(rule.gateways ?? [])].sort().join(',')}#${(rule.matches ?? []).map(cohortKey).sort().join('|')}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { key: i === defaultIndex ? 'default' : `${base}#${n}`, rule, index: i, isDefault: i === defaultIndex };
  });
}

/**
 * A match's key, with equal conditions written alike, so that the renderings of one model by
 * different providers compare equal: a regex `<literal>.*` is a prefix, a header regex `.*`
 * is presence (the Gateway API has neither prefix header matches nor presence).
 */
function cohortKey(m: RequestMatch): string {
  const literal = /^((?:[^\\.^$|?*+()[\]{}]|\\[\\.^$|?*+()[\]{}])+)\.\*$/;
  return `[${m.conditions.map(c => {
    let [type, value]: string[] = [c.match.type, c.match.value];
    if (type === StringMatchType.REGEX) {
      const lit = literal.exec(value);
      if ((value === '.*' || value === '^.*$') && c.field === MatchField.HEADER) [type, value] = [StringMatchType.PRESENT, ''];
      else if (lit) [type, value] = [StringMatchType.PREFIX, lit[1].replace(/\\(.)/g, '$1')];
    }
    return JSON.stringify([c.field, c.name ?? '', type, value]);
  }).sort().join(',')}]`;
}

function sharesOf(rule: RouteRule | undefined, host: string): TrafficShare[] {
  if (!rule) return [];
  const total = rule.destinations.reduce((s, d) => s + d.weight, 0);
  return rule.destinations
    .filter(d => total === 0 || d.weight > 0)
    .map(d => ({ target: targetLabel(d.version, d.host, host), percent: total > 0 ? d.weight * 100 / total : 100 / rule.destinations.length }));
}

/** The most probe requests tried for one added or removed cohort. */
const MAX_COHORT_PROBES = 2000;

/**
 * Whether the requests rule `index` of `side` takes reach the same destinations (and mirrors)
 * through `other`: probe requests from the values both routings match on, at each gateway the
 * rule applies to; undefined when `other` is missing, no probe reaches the rule, or there are more
 * probes than MAX_COHORT_PROBES to try.
 */
function routedAlike(side: RoutingInfo, index: number, other: RoutingInfo | undefined): boolean | undefined {
  if (!other) return undefined;
  const rule = side.routing.rules[index];
  const bound = (rule.gateways ?? []).length > 0 ? rule.gateways! : side.routing.gateways ?? [];
  const gateways = bound.length > 0 ? bound : [MESH_GATEWAY];
  const hosts = [side.routing.host, ...(side.routing.hosts ?? [])];
  let reached = 0;
  let tried = 0;
  for (const host of hosts) {
    const requests = probes(host, [side.routing, other.routing]);
    for (const gateway of gateways) {
      for (const request of requests) {
        // Past the bound, the probes not tried could move: not known, never 'no request moves'.
        if (++tried > MAX_COHORT_PROBES) return undefined;
        const probe = { ...request, gateway };
        const here = RouteSimulator._route(probe, [side.routing]);
        if (here.ruleIndex !== index) continue;
        reached++;
        if (outcomeOf(here) !== outcomeOf(RouteSimulator._route(probe, [other.routing]))) return false;
      }
    }
  }
  return reached > 0 ? true : undefined;
}

/** Where a routed request goes: destinations and mirrors with their probabilities, in one string. */
function outcomeOf(e: RouteExplanation): string {
  if (!e.matched) return 'not matched';
  const show = (d: { host: string; version?: string; probability: number }) => `${d.host}|${d.version ?? ''}|${Math.round(d.probability * 1e9)}`;
  return `${e.destinations.map(show).sort().join(',')};${(e.mirrors ?? (e.mirror ? [e.mirror] : [])).map(show).sort().join(',')}`;
}

/** Half the sum of absolute changes: the share of traffic that reaches another destination. */
function moved(a: TrafficShare[], b: TrafficShare[]): number {
  const targets = new Set([...a.map(s => s.target), ...b.map(s => s.target)]);
  let sum = 0;
  for (const t of targets) {
    const x = a.filter(s => s.target === t).reduce((s, v) => s + v.percent, 0);
    const y = b.filter(s => s.target === t).reduce((s, v) => s + v.percent, 0);
    sum += Math.abs(x - y);
  }
  return Math.round(sum / 2 * 10) / 10;
}

function mirrorOf(rule: RouteRule | undefined, host: string): string | undefined {
  const mirrors = (rule?.mirrors ?? (rule?.mirror ? [rule.mirror] : [])).filter(m => m.percent > 0);
  return mirrors.length > 0 ? mirrors.map(m => `${targetLabel(m.version || undefined, m.host, host)} ${fmt(m.percent)}%`).join(', ') : undefined;
}

/**
 * The diff of one host's routing (internal: `migrate` compares routings read from different
 * providers, normalized first).
 * @internal
 */
export function diffRoutings(before: RoutingInfo | undefined, after: RoutingInfo | undefined): HostTrafficDiff {
  return hostDiff(before, after);
}

function hostDiff(before: RoutingInfo | undefined, after: RoutingInfo | undefined): HostTrafficDiff {
  const host = (after ?? before)!.routing.host;
  const old = cohorts(before);
  const now = cohorts(after);
  // Without a VirtualService, requests in the mesh go to any pod of the host.
  const noRouting: RouteDestination[] = [{ weight: 100 }];
  const diffs: CohortDiff[] = [];
  const diffOf = (key: string, a: Cohort | undefined, b: Cohort | undefined): CohortDiff => {
    const rule = (b ?? a)!.rule;
    const isDefault = key === 'default';
    const beforeShares = a ? sharesOf(a.rule, host) : isDefault && !before ? sharesOf({ destinations: noRouting }, host) : [];
    const afterShares = b ? sharesOf(b.rule, host) : isDefault && !after ? sharesOf({ destinations: noRouting }, host) : [];
    const mirrorBefore = mirrorOf(a?.rule, host);
    const mirrorAfter = mirrorOf(b?.rule, host);
    const movedPercent = moved(beforeShares, afterShares);
    const change = !a && !isDefault ? CohortChange.ADDED : !b && !isDefault ? CohortChange.REMOVED
      : movedPercent > 0 || mirrorBefore !== mirrorAfter || (a === undefined) !== (b === undefined) ? CohortChange.CHANGED : CohortChange.UNCHANGED;
    const sameDestinations = change === CohortChange.ADDED ? routedAlike(after!, b!.index, before)
      : change === CohortChange.REMOVED ? routedAlike(before!, a!.index, after) : undefined;
    return withoutUndefined({
      cohort: describeMatches(rule),
      ruleName: rule.name,
      isDefault,
      change,
      before: beforeShares,
      after: afterShares,
      movedPercent: change === CohortChange.ADDED || change === CohortChange.REMOVED ? 0 : movedPercent,
      mirrorBefore,
      mirrorAfter,
      sameDestinations,
    });
  };
  for (const c of now) diffs.push(diffOf(c.key, old.find(o => o.key === c.key), c));
  for (const o of old) if (!now.some(c => c.key === o.key)) diffs.push(diffOf(o.key, o, undefined));

  const def = diffs.find(d => d.isDefault);
  const parts: string[] = [];
  if (def) {
    const split = (shares: TrafficShare[]) => describeSplit(shares.map(s => ({ version: s.target, weight: s.percent })));
    parts.push(`default ${split(def.before)} -> ${split(def.after)} (${fmt(def.movedPercent)}% of traffic moves)`);
  } else {
    parts.push('no default route');
  }
  for (const c of diffs.filter(d => !d.isDefault)) {
    const split = (shares: TrafficShare[]) => (shares.length === 0 ? '(none)' : describeSplit(shares.map(s => ({ version: s.target, weight: s.percent }))));
    parts.push(`cohort ${c.cohort}: ${split(c.before)} -> ${split(c.after)}${c.change === CohortChange.ADDED || c.change === CohortChange.REMOVED ? ` (${changeText(c)})` : ''}`);
  }
  const sessions = sessionsNote(before, after, old, now);
  if (sessions) parts.push(sessions);
  const result = withoutUndefined({
    host,
    defaultMovedPercent: def?.movedPercent ?? 0,
    cohorts: diffs,
    sessions,
    summary: `${host}: ${parts.join('; ')}`,
  }) as HostTrafficDiff;
  // The flowchart is drawn when first read (`--mermaid`, JSON): most diffs never show it.
  let chart: string | undefined;
  Object.defineProperty(result, 'mermaid', { enumerable: true, get: () => (chart ??= mermaid(host, after, diffs)) });
  return result;
}

/** Sticky sessions of the default route after (new and returning sessions), or their end. */
function sessionsNote(before: RoutingInfo | undefined, after: RoutingInfo | undefined, old: Cohort[], now: Cohort[]): string | undefined {
  const of = (r: RoutingInfo | undefined, cs: Cohort[]) => {
    const d = cs.find(c => c.isDefault);
    return r && d ? sessionsOfRule(r.routing, d.rule) : undefined;
  };
  const next = of(after, now);
  if (next) return next;
  return of(before, old) ? 'sticky sessions end: the default route sets no cookie, so returning sessions are split by the weights again' : undefined;
}

function mermaid(host: string, after: RoutingInfo | undefined, diffs: CohortDiff[]): string {
  const lines = ['flowchart LR', `  req(["${esc(host)}"])`];
  const targets = new Map<string, string>();
  const node = (t: string) => {
    if (!targets.has(t)) {
      targets.set(t, `t${targets.size}`);
      lines.push(`  t${targets.size - 1}[["${esc(t)}"]]`);
    }
    return targets.get(t)!;
  };
  let prev = 'req';
  let edge = '';
  const current = diffs.filter(d => d.change !== CohortChange.REMOVED);
  current.forEach((c, i) => {
    const id = `r${i}`;
    lines.push(`  ${id}{"${esc(c.isDefault ? `default: ${c.cohort}` : c.cohort)}"}`);
    lines.push(`  ${prev} -->${edge} ${id}`);
    for (const s of c.after) {
      const old = c.before.find(b => b.target === s.target)?.percent ?? (c.change === CohortChange.ADDED ? undefined : 0);
      const label = old !== undefined && old !== s.percent ? `${fmt(s.percent)}% (was ${fmt(old)}%)` : `${fmt(s.percent)}%`;
      lines.push(`  ${id} -->|"${esc(label)}"| ${node(s.target)}`);
    }
    for (const s of c.before.filter(b => !c.after.some(a => a.target === b.target))) {
      lines.push(`  ${id} -.->|"0% (was ${fmt(s.percent)}%)"| ${node(s.target)}`);
    }
    if (c.mirrorAfter) {
      const cut = c.mirrorAfter.lastIndexOf(' ');
      lines.push(`  ${id} -.->|"mirror ${esc(c.mirrorAfter.slice(cut + 1))}"| ${node(c.mirrorAfter.slice(0, cut))}`);
    }
    prev = id;
    edge = '|no match|';
  });
  if (!after) lines.push('  %% no VirtualService after the change: requests go to any pod of the host');
  return lines.join('\n');
}

function esc(s: string): string {
  return s.replace(/"/g, '#quot;');
}

/** The first routing of each host (a lookup: searching the list per host is quadratic). */
function firstByHost(routings: RoutingInfo[]): Map<string, RoutingInfo> {
  const out = new Map<string, RoutingInfo>();
  for (const r of routings) if (!out.has(r.hostKey)) out.set(r.hostKey, r);
  return out;
}
