// SharedHost with Istio (internal): a root VirtualService `<name>` for the hosts at the
// gateways, one rule per path delegating to a VirtualService without hosts. Istio merges a
// root rule's matches with each delegate rule's, and drops the delegate rule when one of its
// matches lies outside every root match: so one delegate per path (`<service>-<name>`, then
// `-2`, `-3`... for a service's further paths), whose rules are narrowed to that path.
// @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
import { ApiObject } from 'cdk8s';
import { VirtualService } from './imports/networking.istio.io';
import { renderVirtualServiceSpec, stringMatch } from './renderer';
import { pathMatches } from '../../model/_paths';
import { modelledObject } from '../_modelled-object';
import { SharedHostContext, SharedHostPath, SharedHostRenderer } from '../_provider';

export class IstioSharedHost implements SharedHostRenderer {
  private root?: ApiObject;
  private readonly delegates: ApiObject[] = [];

  public constructor(private readonly host: SharedHostContext) {}

  public get objects(): ApiObject[] {
    return [...(this.root ? [this.root] : []), ...this.delegates];
  }

  public addPath(path: SharedHostPath): void {
    const host = this.host;
    const service = path.service;
    this.root ??= this.renderRoot();
    const spec = () => {
      host.checkRules(service);
      return { http: renderVirtualServiceSpec({ host: service.name, versions: [], rules: host.serviceRules(service, [path]) }).http };
    };
    const vs = modelledObject(host.scope, `VirtualService-${service.name}-${path.index}`, VirtualService.GVK, this.delegateName(path), spec);
    vs.addDependency(host.primaryOf(service));
    this.delegates.push(vs);
  }

  /** The name of the delegate VirtualService of a path: `<service>-<name>`, then `-2`, `-3`... for a service's further paths. */
  private delegateName(p: SharedHostPath): string {
    return `${p.service.name}-${this.host.name}${p.index > 1 ? `-${p.index}` : ''}`;
  }

  private renderRoot(): ApiObject {
    const host = this.host;
    const spec = () => ({
      hosts: [...host.hosts],
      gateways: [...host.gateways],
      http: host.ordered().map(p => ({
        name: `${p.service.name}-${p.index}`,
        match: pathMatches(p.match).map(m => ({ uri: stringMatch(m.conditions[0].match) })),
        delegate: { name: this.delegateName(p) },
      })),
    });
    return modelledObject(host.scope, 'VirtualService', VirtualService.GVK, host.name, spec);
  }
}
