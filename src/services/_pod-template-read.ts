// What a PodTemplate holds once read, and the JSON helpers that read it (internal; shared by
// pod-template.ts and _workload.ts without an import cycle).
import { fail, show } from '../internal/validation';

/** What a `PodTemplate` holds, checked and copied (internal). */
export interface ReadPodTemplate {
  /** The fields of the Deployment's spec besides the template (empty unless it was a Deployment). */
  readonly deploymentSpec: Record<string, any>;
  /** The Deployment's metadata (empty unless it was a Deployment). */
  readonly deploymentMeta: Record<string, any>;
  /** The pod template: metadata and spec. */
  readonly template: any;
  /** What it was, for messages, e.g. `Deployment "reviews"`. */
  readonly source: string;
  readonly container?: string;
}

/** Whether `v` is a JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of plain JSON data; fails naming the prop on anything else (functions, cycles). */
export function copyJson(who: string, prop: string, value: unknown): any {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    fail(who, `${prop} must be plain JSON data: ${(e as Error).message}`);
  }
  if (text === undefined) fail(who, `${prop} must be a Deployment, a PodTemplate or a pod template object, got ${show(value)}`);
  return JSON.parse(text);
}
