import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { validateRouteResilience } from './_route-options';
import { IRoutedService } from './routed-service';
import { checkArrayProps, checkProps } from '../internal/props';
import { fail, owner, show, validateDns1123Label } from '../internal/validation';
import { withoutUndefined } from '../model/_util';
import { RequestMatch } from '../model/request-match';
import { FaultInjection, HeaderOperations, RetryPolicy } from '../model/resilience';
import { RouteDestination, RouteRule } from '../model/routing-model';

/** Props of a `HeaderMatchRoute`. */
export interface HeaderMatchRouteProps {
  /** The service whose routing gains the rule: a `CanaryService` or `BlueGreenService`. */
  readonly target: IRoutedService;

  /**
   * The requests the rule takes: any of these matches (OR); each match's conditions all
   * hold (AND). Build them with `RequestMatch`'s factories and `RequestMatch.all()`.
   */
  readonly matches: RequestMatch[];

  /**
   * The version that receives all matched requests. Set this or `split`.
   * @default - `split` decides
   */
  readonly version?: string;

  /**
   * A weighted split of the matched requests between versions (A/B/n), weights adding up
   * to 100. Set this or `version`.
   * @default - all matched requests go to `version`
   */
  readonly split?: RouteDestination[];

  /**
   * The rule's name in the VirtualService (shown in Istio's stats and our reports).
   * @default - the construct id, lower-cased, with other characters than a-z, 0-9 and '-' replaced by '-'
   */
  readonly name?: string;

  /**
   * Restrict the rule to traffic through these gateways; `['mesh']` keeps a cohort off
   * public traffic.
   * @default - every gateway the service is bound to
   */
  readonly gateways?: string[];

  /**
   * Timeout of the cohort's requests, retries included.
   * @default - the target service's `timeout`
   */
  readonly timeout?: Duration;

  /**
   * How the cohort's failed requests are retried; `{ attempts: 0 }` disables retries.
   * @default - the target service's `retries`
   */
  readonly retries?: RetryPolicy;

  /**
   * Request and response headers set, added or removed for the cohort; they replace the
   * target service's `headers`.
   * @default - the target service's `headers`
   */
  readonly headers?: HeaderOperations;

  /**
   * Faults injected into the cohort's requests (a delay, an abort or both), e.g. to test how
   * callers behave when the new version is slow, on testers only.
   * @default - none
   */
  readonly fault?: FaultInjection;
}

/**
 * Sends requests that satisfy a match (headers, cookies, URI, query, method, client OS,
 * JWT claims) to a chosen version, or splits them between versions, ahead of the
 * service's weighted default route.
 *
 * Rules render in the order the `HeaderMatchRoute`s are created, all before the service's
 * default route, and the first rule that matches a request wins (Istio's semantics). A rule
 * with the same matches as an earlier one could never match, and is rejected.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/request-routing/
 */
export class HeaderMatchRoute extends Construct {
  /** The rule added to the target's routing. */
  public readonly rule: RouteRule;

  public constructor(scope: Construct, id: string, props: HeaderMatchRouteProps) {
    super(scope, id);
    const who = owner('HeaderMatchRoute', id);
    checkArrayProps(who, 'HeaderMatchRouteProps', props);
    if (!props.target || typeof (props.target as IRoutedService).addRoute !== 'function') {
      fail(who, `target must be a CanaryService or BlueGreenService (an IRoutedService), got ${show(props.target)}`);
    }
    const matches = props.matches ?? [];
    if (!Array.isArray(matches) || matches.length === 0) {
      fail(who, 'matches must list at least one RequestMatch; a rule without matches would take all traffic, which is the service\'s own default route');
    }
    matches.forEach((m, i) => {
      if (!(m instanceof RequestMatch)) fail(who, `matches[${i}] must be a RequestMatch, got ${show(m)}`);
    });
    if ((props.version === undefined) === (props.split === undefined)) {
      fail(who, `set exactly one of version and split, got ${props.version === undefined ? 'neither' : 'both'}`);
    }
    if (props.split !== undefined && props.split.length < 2) {
      fail(who, `split must list at least two versions (use version for one), got ${props.split.length}`);
    }
    const name = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    validateDns1123Label(who, 'name', name);
    validateRouteResilience(who, props, true);

    this.rule = {
      name,
      matches: [...matches],
      destinations: props.version !== undefined ? [{ version: props.version, weight: 100 }] : props.split!.map(d => ({ ...d })),
      gateways: props.gateways ? [...props.gateways] : undefined,
      ...withoutUndefined({ timeout: props.timeout, retries: props.retries, headers: props.headers, fault: props.fault }),
    };
    // Before changing the target: the validators above give the more specific messages; this catches what they ignore.
    checkProps(who, 'HeaderMatchRouteProps', props);
    props.target.addRoute(this.rule, who);
  }
}
