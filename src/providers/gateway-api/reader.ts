import { gatewayApiOf, ROUTE_KINDS } from './_route-index';
import { loadManifests } from '../../internal/manifest-files';
import { ServiceRouting } from '../../model/routing-model';
import { ReadWarning } from '../../reading/read-warning';
import { PROVIDERS } from '../registry';

/** The routing read from a set of Kubernetes objects by `GatewayApiReader`. */
export interface GatewayApiReadResult {
  /**
   * One routing per routed Service (the parent Service of in-mesh routes, or the Service the
   * backends of a gateway route are versions of), with its rules in Gateway API precedence order.
   */
  readonly routings: ServiceRouting[];

  /** Fields the reader did not model (redirects, filters, unknown parents...) and how it treated them. */
  readonly warnings: ReadWarning[];
}

/**
 * Reads Gateway API HTTPRoutes and GRPCRoutes (gateway.networking.k8s.io v1 and v1beta1),
 * Services and Deployments into the provider-neutral `ServiceRouting` model, so that the
 * simulator, the transition check and the traffic diff work on Gateway API routing, whether
 * this library rendered it or not. The tools (`RouteSimulator` through the CLI,
 * `TransitionCheck`, `TrafficDiff`) read these kinds as they read VirtualServices.
 *
 * - Parents: a Service parent (GAMMA) routes in-mesh traffic to that Service (gateway
 *   `mesh`); a Gateway parent routes the route's `hostnames` at that gateway
 *   (`<namespace>/<name>` when the parentRef names a namespace, else `<name>`).
 * - Backends: a backendRef to a Service that selects a subset of the pods of another
 *   Service (e.g. `reviews-v2` selecting `app: reviews, version: v2` beside `reviews`
 *   selecting `app: reviews`) is that version of that Service; its replicas are those of
 *   the Deployments whose pods it selects. Weights become integer percentages.
 * - Precedence: the Gateway API does not take the first matching rule. Across every route
 *   attached to the same parent and hostname, an Exact path wins, then the longest
 *   PathPrefix, then a method match, then the most header matches, then the most query
 *   parameter matches, then the oldest route, then `<namespace>/<name>` order, then rule and
 *   match order (GRPCRoute: the longest service, then method, then the most headers). The
 *   reader sorts the matches that way, so the model's rules, evaluated first-match, route
 *   every request as the Gateway API does. RegularExpression paths rank after prefixes
 *   (implementation-specific; Istio's order).
 * - A PathPrefix matches whole path elements: `/api` matches `/api` and `/api/v1`, not
 *   `/apis`; it is modelled as a regex.
 * - Each `RequestMirror` filter becomes a mirror of the rule (`mirror`, and `mirrors` when
 *   there are several); `RequestHeaderModifier` `remove` becomes the headers removed.
 * - Ports: a route attached to some of a Gateway's listeners (by `sectionName`, `port` or
 *   hostname) serves only their ports, and a GAMMA route whose Service parentRef names a
 *   `port` only that port: its matches gain a port condition (`SimulatedRequest.port`).
 * - GAMMA consumer routes (a route whose parent is a Service of another namespace) apply only
 *   to clients in the route's namespace, before the producer routes: their matches gain a
 *   client-namespace condition (`SimulatedRequest.sourceNamespace`).
 * - What the model cannot express (redirects, rewrites, added headers, backend filters) is
 *   reported as a warning and modelled conservatively.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule
 */
export class GatewayApiReader {
  /**
   * Reads parsed Kubernetes objects (plain JSON, as parsed from YAML); kinds other than
   * HTTPRoute, GRPCRoute, Service and Deployment are ignored.
   *
   * @param objects the objects; each must have `apiVersion` and `kind`
   */
  public static read(objects: any[]): GatewayApiReadResult {
    const index = PROVIDERS.index('GatewayApiReader.read', objects);
    const kinds = ROUTE_KINDS.map(k => `${k} `);
    return {
      routings: gatewayApiOf(index).routings.map(r => r.routing),
      warnings: index.warnings.filter(w => kinds.some(k => w.source.startsWith(k))).map(w => ({ ...w })),
    };
  }

  /** Reads the objects of YAML files and directories (searched recursively for `*.yaml` and `*.yml`). */
  public static readFiles(paths: string[]): GatewayApiReadResult {
    if (!Array.isArray(paths) || paths.length === 0) {
      throw new Error(`GatewayApiReader.readFiles: paths must list at least one file or directory, got ${JSON.stringify(paths)}`);
    }
    return GatewayApiReader.read(loadManifests(paths));
  }

  private constructor() {}
}
