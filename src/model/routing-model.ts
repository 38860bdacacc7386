import { Duration } from 'cdk8s';
import { RequestMatch } from './request-match';
import { FaultInjection, HeaderOperations, RetryPolicy } from './resilience';

/*
 * The provider-neutral routing model.
 *
 * Every service construct builds a `ServiceRouting`: its versions and an ordered list of
 * rules (first match wins, the last rule matches everything). The Istio renderer turns it
 * into a VirtualService and a DestinationRule; the analyzer and the simulator read it, and
 * the Istio reader builds one from any VirtualService so that they can read those too.
 */

/** A share of a rule's traffic sent to one version. */
export interface RouteDestination {
  /**
   * The version (Istio: DestinationRule subset) that receives the traffic.
   * @default - any pod of the host (no subset)
   */
  readonly version?: string;

  /**
   * The host that receives the traffic.
   * @default - the service's own host
   */
  readonly host?: string;

  /**
   * Percent of the rule's traffic, an integer from 0 to 100. The weights of a rule add up to 100.
   */
  readonly weight: number;

  /**
   * Response headers added to the responses this destination returns (Envoy's format: `%%`
   * for a literal `%`), e.g. the `set-cookie` of sticky sessions. Istio:
   * `HTTPRouteDestination.headers.response.add`; Gateway API: a `ResponseHeaderModifier`
   * filter on the backendRef.
   * @internal
   */
  readonly _responseHeaders?: { [name: string]: string };
}

/** A copy of a share of a rule's traffic, sent to one version; its responses are discarded. */
export interface MirrorPolicy {
  /** The version (Istio: subset) that receives the copies. */
  readonly version: string;

  /**
   * The host that receives the copies.
   * @default - the service's own host
   */
  readonly host?: string;

  /** Percent of the rule's requests that are copied, from 0 to 100. */
  readonly percent: number;
}

/** One routing rule: requests that satisfy any of `matches` go to `destinations`. */
export interface RouteRule {
  /**
   * A name for the rule, shown in Istio's stats and in our reports.
   * @default - unnamed
   */
  readonly name?: string;

  /**
   * Alternatives (ORed); each is a set of ANDed conditions.
   * @default - every request (a catch-all rule)
   */
  readonly matches?: RequestMatch[];

  /** Where the matched traffic goes, with weights adding up to 100. */
  readonly destinations: RouteDestination[];

  /**
   * A copy of part of the traffic sent to another version.
   * @default - no mirroring
   */
  readonly mirror?: MirrorPolicy;

  /**
   * Every mirror of the rule, when it has several, as read from routing objects (the Gateway
   * API allows several RequestMirror filters per rule, Istio `mirrors`); `mirror` is the first.
   * The providers render `mirror` only.
   * @default - `mirror` only
   */
  readonly mirrors?: MirrorPolicy[];

  /**
   * Restrict the rule to traffic entering through these gateways (`mesh` for in-mesh traffic).
   * @default - every gateway the service is bound to
   */
  readonly gateways?: string[];

  /**
   * Request headers removed before the request is forwarded.
   * @default - none
   */
  readonly removeRequestHeaders?: string[];

  /**
   * Timeout of the rule's requests, retries included.
   * @default - none (the provider's default)
   */
  readonly timeout?: Duration;

  /**
   * How failed requests are retried.
   * @default - the provider's default retries
   */
  readonly retries?: RetryPolicy;

  /**
   * Headers set, added or removed on requests and responses (besides `removeRequestHeaders`).
   * @default - none
   */
  readonly headers?: HeaderOperations;

  /**
   * Faults injected into the rule's requests (delays, aborts).
   * @default - none
   */
  readonly fault?: FaultInjection;
}

/** One version of a service: a subset of its pods. */
export interface ServiceVersion {
  /** The version name: the subset name and the value of the version label. */
  readonly version: string;

  /**
   * Pod labels that select the version's pods.
   * @default - { version: <version> }
   */
  readonly labels?: { [key: string]: string };

  /**
   * Number of pods the version runs.
   * @default - unknown
   */
  readonly replicas?: number;
}

/** The routing of one host: its versions and its ordered rules. */
export interface ServiceRouting {
  /** The host (Istio VirtualService host and DestinationRule host), e.g. `reviews`. */
  readonly host: string;

  /** The versions traffic can be sent to. */
  readonly versions: ServiceVersion[];

  /** The rules, in the order they are evaluated; the first that matches wins. */
  readonly rules: RouteRule[];

  /**
   * Further hosts the routing applies to (e.g. a public host name at a gateway).
   * @default - none
   */
  readonly hosts?: string[];

  /**
   * Gateways the routing is bound to (`mesh` for in-mesh traffic).
   * @default - ['mesh'] only
   */
  readonly gateways?: string[];

  /**
   * Where the routing comes from, for messages: a construct path or a file and object name.
   * @default - the host
   */
  readonly source?: string;
}
