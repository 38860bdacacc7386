// Sticky canary sessions (internal): validation and the cookie rules; the public props are in
// sticky-sessions.ts.
import { Duration } from 'cdk8s';
import { StickySessions } from './sticky-sessions';
import { fail, isHttpToken, show } from '../internal/validation';
import { RequestMatch } from '../model/request-match';
import { RouteDestination, RouteRule } from '../model/routing-model';

/** The validated options (internal). */
export interface StickyPlan {
  readonly cookieName: string;
  readonly stable: boolean;
  readonly maxAgeSeconds?: number;
}

const MAX_NAME = 256;
const MAX_AGE_SECONDS = 400 * 24 * 3600;

/** Validates `stickySessions` of `who`; the default cookie name is `canary-<service>`. */
export function validateStickySessions(who: string, service: string, s: unknown): StickyPlan {
  if (!s || typeof s !== 'object' || Array.isArray(s)) fail(who, `stickySessions must be an object with cookieName, stable and maxAge, got ${show(s)}`);
  const o = s as StickySessions;
  const cookieName = o.cookieName ?? `canary-${service}`;
  if (!isHttpToken(cookieName) || cookieName.length > MAX_NAME) {
    fail(who, `stickySessions.cookieName must be a cookie name (an RFC 6265 token of 1 to ${MAX_NAME} letters, digits and !#$%&'*+-.^_\`|~), got ${show(o.cookieName)}`);
  }
  if (/^__(secure|host)-/i.test(cookieName)) {
    fail(who, `stickySessions.cookieName must not start with __Secure- or __Host- (browsers accept such cookies only with the Secure attribute, which a cookie also set over plain HTTP cannot have), got ${show(cookieName)}`);
  }
  if (o.stable !== undefined && typeof o.stable !== 'boolean') fail(who, `stickySessions.stable must be true or false, got ${show(o.stable)}`);
  let maxAgeSeconds: number | undefined;
  if (o.maxAge !== undefined) {
    const d = o.maxAge as unknown;
    if (typeof (d as Duration)?.toMilliseconds !== 'function') fail(who, `stickySessions.maxAge must be a Duration (e.g. Duration.hours(1)), got ${show(d)}`);
    const ms = (d as Duration).toMilliseconds({ integral: false });
    if (!Number.isFinite(ms) || !Number.isInteger(ms / 1000) || ms < 1000 || ms / 1000 > MAX_AGE_SECONDS) {
      fail(who, `stickySessions.maxAge must be a whole number of seconds from 1 to ${MAX_AGE_SECONDS} (400 days), got ${Number.isFinite(ms) ? `${ms / 1000}s` : String(ms)}`);
    }
    maxAgeSeconds = ms / 1000;
  }
  return { cookieName, stable: o.stable ?? true, maxAgeSeconds };
}

/** The `Set-Cookie` value pinning `version` (literal; the model takes it in Envoy's format). */
export function setCookieValue(plan: StickyPlan, version: string): string {
  return [`${plan.cookieName}=${version}`, ...(plan.maxAgeSeconds !== undefined ? [`Max-Age=${plan.maxAgeSeconds}`] : []), 'Path=/', 'HttpOnly'].join('; ');
}

/** The rule names sticky sessions use, for `version`. */
export function stickyRuleName(version: string): string {
  return `sticky-${version}`;
}

/**
 * The cookie rules (canary first, then stable when pinned) and the weighted rule's
 * destinations with the `set-cookie` each adds; no cookie rule unless the weight is strictly
 * between 0 and 100 (an abort or a promotion ends stickiness).
 */
export function stickyRouting(plan: StickyPlan, stable: string, canary: string, destinations: RouteDestination[], weight: number):
{ rules: RouteRule[]; destinations: RouteDestination[] } {
  if (weight <= 0 || weight >= 100) return { rules: [], destinations };
  const pinned = plan.stable ? [canary, stable] : [canary];
  const envoy = (v: string) => v.replace(/%/g, '%%');
  const rules: RouteRule[] = pinned.map(version => ({
    name: stickyRuleName(version),
    matches: [RequestMatch.cookie(plan.cookieName, version)],
    destinations: [{ version, weight: 100 }],
  }));
  const withCookies = destinations.map(d => (d.version !== undefined && d.host === undefined && pinned.includes(d.version)
    ? { ...d, _responseHeaders: { 'set-cookie': envoy(setCookieValue(plan, d.version)) } }
    : d));
  return { rules, destinations: withCookies };
}
