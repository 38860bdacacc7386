// A routing object whose spec is produced at synth (internal); RoutingAnalyzer reads it from
// the model, so that a construct's own checks see what will be written.
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { OWNED } from '../internal/owned';

/** Creates the object in `scope`, its spec produced by `spec` at synth. */
export function modelledObject(scope: Construct, id: string, gvk: { apiVersion: string; kind: string }, name: string, spec: () => any): ApiObject {
  const o = new ModelledObject(scope, id, { ...gvk, metadata: { name }, spec: Lazy.any({ produce: spec }) });
  o.model = spec;
  OWNED.add(o);
  return o;
}

class ModelledObject extends ApiObject {
  public model: () => any = () => undefined;
  /** @internal */
  public _analysisJson(): any {
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: { name: this.name, namespace: this.metadata.namespace }, spec: this.model() };
  }
}
