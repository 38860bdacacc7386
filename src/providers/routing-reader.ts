import { PROVIDERS } from './registry';
import { loadManifests } from '../internal/manifest-files';
import { ServiceRouting } from '../model/routing-model';
import { ReadWarning } from '../reading/read-warning';

/** The routing read from a set of Kubernetes objects by `RoutingReader`. */
export interface RoutingReadResult {
  /**
   * The routings, provider by provider: one per VirtualService (its `host` the first host), per
   * routed Service of the Gateway API routes, per Ingress host, and per plain Service whose
   * pods are versioned; each in its reader's order.
   */
  readonly routings: ServiceRouting[];

  /** What the readers did not model (authority matches, redirects, tcp routes...) and how they treated it. */
  readonly warnings: ReadWarning[];
}

/**
 * Reads the routing objects of every provider into the provider-neutral `ServiceRouting`
 * model, as the command line's `explain`, `check` and `diff` do: Istio VirtualServices and
 * DestinationRules (see `IstioReader`), Gateway API HTTPRoutes and GRPCRoutes (see
 * `GatewayApiReader`), Ingresses with ingress-nginx's semantics, and plain Services whose
 * share of traffic is their share of ready pods. Services and Deployments give the versions'
 * replicas; other kinds of objects are ignored.
 */
export class RoutingReader {
  /**
   * Reads parsed Kubernetes objects (plain JSON, as parsed from YAML).
   *
   * @param objects the objects; each must have `apiVersion` and `kind`
   */
  public static read(objects: any[]): RoutingReadResult {
    return RoutingReader._read('RoutingReader.read', objects);
  }

  /**
   * Loads the Kubernetes objects of YAML files and directories (searched recursively, in name
   * order). `kind: List` objects are flattened.
   *
   * Throws, naming the file and document, when a file cannot be read, is not valid YAML or
   * holds a document that is not a Kubernetes object.
   */
  public static loadFiles(paths: string[]): any[] {
    return RoutingReader._load('RoutingReader.loadFiles', paths);
  }

  /** Reads the objects of files and directories; see `loadFiles` and `read`. */
  public static readFiles(paths: string[]): RoutingReadResult {
    return RoutingReader.read(RoutingReader.loadFiles(paths));
  }

  /** @internal */
  public static _read(who: string, objects: any[]): RoutingReadResult {
    const index = PROVIDERS.index(who, objects);
    return {
      routings: index.routings.map(r => r.routing),
      warnings: index.warnings.map(w => ({ ...w })),
    };
  }

  /** @internal */
  public static _load(who: string, paths: string[]): any[] {
    if (!Array.isArray(paths) || paths.length === 0) {
      throw new Error(`${who}: paths must list at least one file or directory, got ${JSON.stringify(paths)}`);
    }
    return loadManifests(paths);
  }

  private constructor() {}
}
