// The registry of provider plug-ins (internal): one line per provider. The core iterates it and
// imports no provider's folder; a new provider is a new folder plus one line here
// (docs/ARCHITECTURE.md, "Adding a provider").
import { GATEWAY_API_PLUGIN } from './gateway-api';
import { INGRESS_NGINX_PLUGIN } from './ingress-nginx';
import { ISTIO_PLUGIN } from './istio';
import { KUBERNETES_PLUGIN } from './kubernetes';
import { ProviderPlugin } from './plugin';
import { indexObjects, ObjectIndex } from '../reading/object-index';

/** The plug-ins, in reading order: fallback readers last. */
export class ProviderRegistry {
  private list: ProviderPlugin[] = [];

  public constructor(plugins: ProviderPlugin[]) {
    for (const p of plugins) this.register(p);
  }

  /** Every plug-in, in reading order. */
  public get plugins(): readonly ProviderPlugin[] {
    return this.list;
  }

  /** The plug-in of that name. */
  public get(name: string): ProviderPlugin | undefined {
    return this.list.find(p => p.name === name);
  }

  /** Adds a plug-in (before the fallback readers unless it is one); a name is registered once. */
  public register(plugin: ProviderPlugin): void {
    if (this.get(plugin.name)) throw new Error(`a provider named ${JSON.stringify(plugin.name)} is registered already`);
    const at = plugin.fallback ? this.list.length : this.list.findIndex(p => p.fallback);
    this.list = [...this.list];
    this.list.splice(at < 0 ? this.list.length : at, 0, plugin);
  }

  /** Removes a plug-in (tests). */
  public unregister(name: string): void {
    this.list = this.list.filter(p => p.name !== name);
  }

  /** Reads objects with every plug-in's reader (see indexObjects). */
  public index(who: string, objects: unknown): ObjectIndex {
    return indexObjects(who, objects, this.list);
  }
}

export const PROVIDERS = new ProviderRegistry([
  ISTIO_PLUGIN,
  GATEWAY_API_PLUGIN,
  INGRESS_NGINX_PLUGIN,
  KUBERNETES_PLUGIN,
]);
