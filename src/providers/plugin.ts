// The provider plug-in (internal): everything one traffic layer brings to the library, declared
// in one object by the provider's folder (`providers/<name>/index.ts`) and listed once in
// `providers/registry.ts`. The core (reading, gitops, analyzer, analysis, cli) asks the registry
// and never imports a provider's folder; see docs/ARCHITECTURE.md.
import { ProviderImpl } from './_provider';
import { AnalyzedObject } from '../analyzer/_objects';
import { Finding, Severity } from '../analyzer/finding';
import { TransitionFinding } from '../gitops/transition-finding';
import { ServiceRouting } from '../model/routing-model';
import { IndexReader, ObjectIndex, RoutingInfo } from '../reading/object-index';

/** What the provider's rules say about objects, offline (RoutingAnalyzer, `validate`). */
export interface AnalyzerFace {
  /** The kinds whose objects the rules read, besides Services and Deployments. */
  readonly kinds: readonly string[];
  /** The provider's rules over every object (each object and across objects). */
  analyze(objects: AnalyzedObject[]): Finding[];
  /**
   * For an object our constructs built and checked already: what the rules across services
   * still need of it (e.g. a VirtualService's hosts), or undefined when they need nothing.
   */
  crossServiceView?(json: any): any;
  /** Whether `validate` counts the object as one of this provider's routing objects. */
  validates?(json: any): boolean;
}

/** One problem `validate` found in an object, at a JSON path of it. */
export interface ObjectIssue {
  readonly severity: Severity;
  /** The rule's identifier, e.g. `ingress-annotation`. */
  readonly rule: string;
  /** The JSON path in the object, e.g. `metadata.annotations["nginx.ingress.kubernetes.io/canary"]`. */
  readonly path: string;
  /** What is wrong (the value received, already escaped) and what is allowed. */
  readonly message: string;
}

/**
 * What `validate` checks of the provider's objects besides its analyzer's rules: their schemas
 * (src/validation, bundled by `npx projen schemas` from crds/ and schemas/k8s-openapi/) and the
 * data plane's own checks of a field (e.g. ingress-nginx's annotation validation).
 */
export interface ValidationFace {
  /**
   * The kinds validated against their schema, as `<group>/<Kind>` (`Kind` for the core group):
   * every served version of a CRD in crds/ (standard channel), or the Kubernetes v1.35 OpenAPI.
   */
  readonly schemaKinds: readonly string[];
  /**
   * The data plane's checks of one object (any object: the function picks its own).
   * @default - none
   */
  check?(json: any): ObjectIssue[];
}

/** The provider's rules for a GitOps step (TransitionCheck). */
export interface TransitionFace {
  /** The findings of the step from `previous` to `next` on this provider's routings. */
  check(before: ObjectIndex, after: ObjectIndex, previous: any[], next: any[]): TransitionFinding[];
  /**
   * Whether a version of one of the provider's routings runs pods (replicas > 0).
   * @default - a Deployment of the version (the host's Service selector and the version's labels) has replicas
   */
  versionRunning?(index: ObjectIndex, routing: RoutingInfo, version: string): boolean;
}

/**
 * The provider's column of the README's capability table: feature (as the table's first column
 * names it) -> how the provider supports it (`yes`, `no`, or a short qualification). A test
 * holds the README's table to these.
 */
export type Capabilities = ReadonlyArray<readonly [feature: string, support: string]>;

// A migration off a provider (the command line's `migrate`).

/** The Gateway the HTTPRoutes attach to. */
export interface MigrationGateway {
  /** @default - the namespace of each route */
  readonly namespace?: string;
  readonly name: string;
}

/** Something of the input that the HTTPRoutes do not carry, and why. */
export interface NotCarried {
  /** `Ingress <namespace>/<name>`. */
  readonly source: string;
  /** The annotation or field. */
  readonly what: string;
  readonly why: string;
}

/** The result of a migration. */
export interface Migration {
  /** The HTTPRoutes, then the backend Services they name (as found in the input). */
  readonly objects: any[];
  /** The Ingresses the HTTPRoutes replace. */
  readonly replaced: any[];
  readonly notCarried: NotCarried[];
  /** Remarks that need no action to keep the routing, e.g. a Service not among the files. */
  readonly notes: string[];
  /** The hosts migrated (`*` for Ingress rules without a host). */
  readonly hosts: string[];
  /** The input, read. */
  readonly index: ObjectIndex;
}

/** A migration off the provider onto another (`cdk8s-canary migrate --to <to>`). */
export interface MigrationFace {
  /** The provider it migrates to. */
  readonly to: string;
  /** Writes the objects that replace the provider's among `objects`, with what it could not carry. */
  migrate(objects: any[], gateway?: MigrationGateway): Migration;
}

/**
 * One provider's plug-in: its faces. The reader face is `read` (from IndexReader): which objects
 * the provider claims and how they become routings; the index runs the readers in registry order.
 */
export interface ProviderPlugin extends IndexReader {
  /** The provider's name (`TrafficProvider.name`), stamped on the routings its reader reads. */
  readonly name: string;
  /** For messages and tables, e.g. `the Gateway API provider`. */
  readonly displayName: string;
  /**
   * Whether the reader reads only what the other readers leave (e.g. plain Services no route
   * names): the registry keeps such readers last.
   * @default false
   */
  readonly fallback?: boolean;
  /** The analyzer rules, if the provider has any. */
  readonly analyzer?: AnalyzerFace;
  /** What `validate` checks of its objects besides the analyzer's rules (schemas, the data plane's own checks). */
  readonly validation?: ValidationFace;
  /** The transition rules, if the provider has any beyond the core's weight-jump rule. */
  readonly transitions?: TransitionFace;
  /** The migrations off the provider. */
  readonly migrations?: readonly MigrationFace[];
  /** The provider's column of the capability table. */
  readonly capabilities: Capabilities;
  /** The renderer: the service constructs' seam, built from the provider's validated options. */
  renderer(options: any): ProviderImpl;
  /**
   * The Service (`<namespace>/<name>`) a destination of one of the provider's routings sends its
   * traffic to, when the provider names one Service per version (the migration's proof names
   * destinations by Service on both sides).
   * @default - not known
   */
  backendService?(index: ObjectIndex, routing: RoutingInfo, destination: { version?: string; host?: string }): string | undefined;
  /**
   * The routing with every version's replicas, where the reader leaves them unknown (the
   * capacity rule compares traffic per pod).
   * @default - the routing as read
   */
  withReplicas?(index: ObjectIndex, routing: RoutingInfo): ServiceRouting;
}
