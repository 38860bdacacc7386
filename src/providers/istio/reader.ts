import { ServiceRouting } from '../../model/routing-model';
import { ReadWarning } from '../../reading/read-warning';
import { RoutingReader } from '../routing-reader';

/** The routing read from a set of Kubernetes objects. */
export interface IstioReadResult {
  /** One routing per VirtualService, in input order; its `host` is the VirtualService's first host. */
  readonly routings: ServiceRouting[];

  /** Fields the reader did not model (authority, redirect, tcp routes...) and how it treated them. */
  readonly warnings: ReadWarning[];
}

/**
 * Reads Istio VirtualServices and DestinationRules (networking.istio.io v1, v1beta1 and
 * v1alpha3), Services and Deployments into the provider-neutral `ServiceRouting` model, so
 * that the simulator, the transition check and the traffic diff work on any VirtualService,
 * not only those this library renders.
 *
 * - HTTP matches become `RequestMatch`es (headers, `withoutHeaders`, uri, query parameters,
 *   method, source labels, JWT claims); matches of one rule bound to different gateways
 *   become consecutive rules with the same destinations, which keeps first-match semantics.
 * - DestinationRule subsets become versions with their labels; the replicas of a version are
 *   those of the Deployments whose pod labels include the Service selector and the subset's labels.
 * - Timeouts, retries, header operations and HTTP fault injection are read into the rules;
 *   fault injection is not simulated, and is reported as a warning.
 * - What the model cannot express (authority, scheme and port matches, redirects, direct
 *   responses, delegation, gRPC aborts, tcp and tls routes) is reported as a warning
 *   and modelled conservatively: an unmodelled match condition is treated as satisfied, a
 *   rule that redirects or answers directly sends its requests to no version.
 *
 * HTTPRoutes and GRPCRoutes among the objects are read too (see `GatewayApiReader`), so
 * that one read covers an output that mixes providers. Other kinds of objects are ignored.
 *
 * @deprecated use `RoutingReader`: it reads every provider's objects, as this class always
 * has despite its name; `IstioReader` stays as an alias.
 */
export class IstioReader {
  /**
   * Reads parsed Kubernetes objects (plain JSON, as parsed from YAML).
   *
   * @param objects the objects; each must have `apiVersion` and `kind`
   */
  public static read(objects: any[]): IstioReadResult {
    return RoutingReader._read('IstioReader.read', objects);
  }

  /**
   * Loads the Kubernetes objects of YAML files and directories (searched recursively for
   * `*.yaml` and `*.yml`, in name order). `kind: List` objects are flattened.
   *
   * Throws, naming the file and document, when a file cannot be read, is not valid YAML or
   * holds a document that is not a Kubernetes object.
   */
  public static loadFiles(paths: string[]): any[] {
    return RoutingReader._load('IstioReader.loadFiles', paths);
  }

  /** Reads the objects of YAML files and directories; see `loadFiles` and `read`. */
  public static readFiles(paths: string[]): IstioReadResult {
    return IstioReader.read(IstioReader.loadFiles(paths));
  }

  private constructor() {}
}
