// Routing objects whose specs come from the routing model (internal): RoutingAnalyzer reads
// their JSON straight from the model (`_analysisJson`), so that a construct's own checks see
// what will be written, unless a JSON patch was added: then it resolves them.
import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { OWNED } from '../internal/owned';

/**
 * `Base` with a `model` the analysis reads. With `skipKeyMapping`, the generated class' key
 * mapping is skipped: a no-op for specs rendered in the wire format already (for Istio's
 * VirtualService it renames only the deprecated mirrorPercent, which we never emit), and
 * about 4% of synth.
 */
export function modelled<T extends new (...args: any[]) => ApiObject>(Base: T, skipKeyMapping: boolean): T & (new (...args: any[]) => Modelled) {
  return class extends Base {
    private patched = false;
    public model: () => any = () => undefined;
    public addJsonPatch(...ops: JsonPatch[]): void {
      this.patched = true;
      super.addJsonPatch(...ops);
    }
    public toJson(): any {
      return skipKeyMapping ? ApiObject.prototype.toJson.call(this) : super.toJson();
    }
    /** @internal */
    public _analysisJson(): any {
      if (this.patched) return undefined;
      return { apiVersion: this.apiVersion, kind: this.kind, metadata: { name: this.name, namespace: this.metadata.namespace }, spec: this.model() };
    }
  };
}

/** What `modelled` adds. */
export interface Modelled {
  /** Produces the spec the analysis reads. */
  model: () => any;
}

const ModelledObject = modelled(ApiObject, true);

/** Creates a modelled object in `scope`, its spec produced by `spec` at synth. */
export function modelledObject(scope: Construct, id: string, gvk: { apiVersion: string; kind: string }, name: string, spec: () => any): ApiObject {
  const o = new ModelledObject(scope, id, { ...gvk, metadata: { name }, spec: Lazy.any({ produce: spec }) });
  o.model = spec;
  OWNED.add(o);
  return o;
}
