// What every reader asks of a Kubernetes object (internal): its identity and its Argo CD
// annotations, read defensively (the objects come from files anyone can write).

export const ARGO_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** An object's namespace; `default` when it has none. */
export function namespaceOf(o: any): string {
  return typeof o?.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default';
}

/** `<namespace>/<name>`. */
export function idOf(o: any): string {
  return `${namespaceOf(o)}/${o?.metadata?.name ?? '(unnamed)'}`;
}

/** An object's Argo CD sync wave (0 when it has none or it is not a number). */
export function waveOf(o: any): number {
  const w = Number(o.metadata?.annotations?.[ARGO_SYNC_WAVE] ?? 0);
  return Number.isFinite(w) ? w : 0;
}

/** Whether an object carries Argo CD's `PruneLast=true` sync option. */
export function pruneLastOf(o: any): boolean {
  return String(o.metadata?.annotations?.[ARGO_SYNC_OPTIONS] ?? '').split(',').map(s => s.trim()).includes('PruneLast=true');
}

/** The string entries of a map-like value (labels, selectors); others are dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
