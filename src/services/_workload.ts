// The workload of a version (internal, not exported from index.ts): its Deployment from a
// PodTemplate, its HorizontalPodAutoscaler and PodDisruptionBudget, its replicas under a ReplicaPolicy.
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { copyJson, isObject, ReadPodTemplate } from './_pod-template-read';
import { AutoscalingOptions, PodDisruptionBudgetOptions } from './autoscaling';
import { PodTemplate } from './pod-template';
import { VersionSpec } from './routed-service';
import { fail, show, validateIntRange, validateNonEmptyString } from '../internal/validation';

/** The annotation of a Deployment built from a pod template that lists the fields the library changed. */
export const POD_TEMPLATE_CHANGES_ANNOTATION = 'cdk8s-canary.io/pod-template-changes';

/** The container settings of a VersionSpec, which a pod template replaces. */
const CONTAINER_SETTINGS = ['envVariables', 'command', 'args', 'resources', 'readiness', 'liveness', 'startup', 'securityContext', 'maxSurge', 'maxUnavailable', 'minReady'] as const;

/** One version's workload, checked: its pod template, replicas or autoscaler, disruption budget. */
export interface Workload {
  readonly spec: VersionSpec;
  readonly template?: ReadPodTemplate;
  /** The Deployment's replicas; undefined when an autoscaler owns them. */
  readonly replicas?: number;
  readonly autoscaling?: CheckedAutoscaling;
  readonly podDisruptionBudget?: { readonly minAvailable?: string | number; readonly maxUnavailable?: string | number };
}

export interface CheckedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: any[];
  readonly behavior?: any;
}

/** The pods a workload runs at least: its replicas, or its autoscaler's minimum. */
export function capacityOf(w: Workload): number {
  return w.autoscaling ? w.autoscaling.minReplicas : w.replicas!;
}

/** Checks a version's workload props; `root` is the app being synthesized. */
export function readWorkload(who: string, spec: VersionSpec, root: unknown): Workload {
  const v = spec.version;
  let template: ReadPodTemplate | undefined;
  if (spec.podTemplate !== undefined) {
    if (!(spec.podTemplate instanceof PodTemplate)) fail(who, `podTemplate of version ${v} must be a PodTemplate (PodTemplate.fromApiObject or PodTemplate.fromObject), got ${show(spec.podTemplate)}`);
    const set = CONTAINER_SETTINGS.filter(k => spec[k] !== undefined);
    if (set.length > 0) {
      fail(who, `version ${v} sets podTemplate and ${set.join(', ')}, which the pod template replaces; set ${set.length > 1 ? 'them' : 'it'} in the template, or remove podTemplate`);
    }
    if (spec.image !== undefined) validateNonEmptyString(who, `image of version ${v}`, spec.image);
    template = spec.podTemplate._read(who, `podTemplate of version ${v}`, root);
  } else {
    validateNonEmptyString(who, `image of version ${v}`, spec.image);
  }
  let replicas: number | undefined;
  let autoscaling: CheckedAutoscaling | undefined;
  if (spec.autoscaling !== undefined) {
    if (spec.replicas !== undefined) {
      fail(who, `version ${v} sets replicas (${show(spec.replicas)}) and autoscaling, whose autoscaler owns the replicas; remove replicas, or set autoscaling.minReplicas`);
    }
    autoscaling = checkAutoscaling(who, `autoscaling of version ${v}`, spec.autoscaling);
  } else if (spec.replicas !== undefined) {
    replicas = validateIntRange(who, `replicas of version ${v}`, spec.replicas, 0, 1_000_000);
  } else if (template?.deploymentSpec.replicas !== undefined) {
    replicas = validateIntRange(who, `replicas of the podTemplate of version ${v}`, template.deploymentSpec.replicas, 0, 1_000_000);
  } else {
    replicas = 1;
  }
  const pdb = spec.podDisruptionBudget === undefined ? undefined : checkDisruptionBudget(who, `podDisruptionBudget of version ${v}`, spec.podDisruptionBudget);
  return { spec, template, replicas, autoscaling, podDisruptionBudget: pdb };
}

function checkAutoscaling(who: string, prop: string, a: AutoscalingOptions): CheckedAutoscaling {
  if (!isObject(a)) fail(who, `${prop} must be an AutoscalingOptions object, got ${show(a)}`);
  const maxReplicas = validateIntRange(who, `${prop}: maxReplicas`, a.maxReplicas, 1, 1_000_000);
  const minReplicas = a.minReplicas === undefined ? 1 : validateIntRange(who, `${prop}: minReplicas (at most maxReplicas, ${maxReplicas})`, a.minReplicas, 1, maxReplicas);
  const metrics: any[] = [];
  const resource = (name: string, value: unknown) => {
    const n = validateIntRange(who, `${prop}: ${name}Utilization`, value, 1, 1000);
    metrics.push({ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: n } } });
  };
  if (a.cpuUtilization !== undefined) resource('cpu', a.cpuUtilization);
  if (a.memoryUtilization !== undefined) resource('memory', a.memoryUtilization);
  if (a.metrics !== undefined) {
    if (!Array.isArray(a.metrics)) fail(who, `${prop}: metrics must be a list of autoscaling/v2 MetricSpec objects, got ${show(a.metrics)}`);
    a.metrics.forEach((m, i) => {
      if (!isObject(m) || typeof m.type !== 'string' || !['Resource', 'Pods', 'Object', 'External', 'ContainerResource'].includes(m.type)) {
        fail(who, `${prop}: metrics[${i}] must be an autoscaling/v2 MetricSpec with type Resource, Pods, Object, External or ContainerResource, got ${show(m)}`);
      }
      metrics.push(copyJson(who, `${prop}: metrics[${i}]`, m));
    });
  }
  if (a.behavior !== undefined && !isObject(a.behavior)) fail(who, `${prop}: behavior must be an autoscaling/v2 HorizontalPodAutoscalerBehavior object, got ${show(a.behavior)}`);
  return { minReplicas, maxReplicas, metrics, behavior: a.behavior === undefined ? undefined : copyJson(who, `${prop}: behavior`, a.behavior) };
}

function checkDisruptionBudget(who: string, prop: string, b: PodDisruptionBudgetOptions): Workload['podDisruptionBudget'] {
  if (!isObject(b)) fail(who, `${prop} must be a PodDisruptionBudgetOptions object, got ${show(b)}`);
  if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
    fail(who, `${prop} sets minAvailable and maxUnavailable; a PodDisruptionBudget takes one of them`);
  }
  const value = (field: string, p: unknown): string | number => {
    const raw = p instanceof kplus.PercentOrAbsolute ? p.value : undefined;
    const ok = (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 1_000_000)
      || (typeof raw === 'string' && /^(100|[1-9]?[0-9])%$/.test(raw));
    if (!ok) fail(who, `${prop}: ${field} must be PercentOrAbsolute.absolute(n) with n from 0 to 1000000 or PercentOrAbsolute.percent(p) with p from 0 to 100, got ${show(raw ?? p)}`);
    return raw;
  };
  if (b.minAvailable !== undefined) return { minAvailable: value('minAvailable', b.minAvailable) };
  return { maxUnavailable: b.maxUnavailable === undefined ? 1 : value('maxUnavailable', b.maxUnavailable) };
}

/**
 * Fails when a pod template declares container ports but none is the port the Service sends
 * traffic to (a template that declares none is taken on trust: ports are informational).
 */
export function checkTemplatePort(who: string, w: Workload, targetPort: number): void {
  if (!w.template) return;
  const containers: any[] = w.template.template.spec.containers;
  const declared = containers.flatMap(c => (Array.isArray(c.ports) ? c.ports : []).map((p: any) => ({ container: c.name, port: p?.containerPort })));
  if (declared.length === 0 || declared.some(d => d.port === targetPort)) return;
  fail(who, `podTemplate of version ${w.spec.version}: the Service sends traffic to port ${targetPort}, which no container of ${w.template.source} declares `
    + `(${declared.map(d => `${d.container}: ${d.port}`).join(', ')}); set containerPort to the port the application listens on`);
}

/** A workload with other replicas (or autoscaler minimum): what a ReplicaPolicy gives it. */
export function withCapacity(w: Workload, capacity: number): Workload {
  if (w.autoscaling) {
    return { ...w, autoscaling: { ...w.autoscaling, minReplicas: capacity, maxReplicas: Math.max(capacity, w.autoscaling.maxReplicas) } };
  }
  return { ...w, replicas: capacity };
}

/**
 * Renders the parts of a version's Deployment the library adds to cdk8s-plus' rendering: the
 * pod template's spec (replacing the placeholder one), the autoscaler, the disruption budget.
 */
export function renderWorkload(scope: Construct, who: string, deployment: kplus.Deployment, w: Workload,
  names: { app: string; name: string }): ApiObject[] {
  const v = w.spec.version;
  const labels = { app: names.app, version: v };
  if (w.template) {
    // cdk8s-plus' typed object would drop what its Kubernetes 1.27 types do not know (and turn
    // quantities it did not build into nothing): the object is replaced by a plain one holding
    // the template as it is. The kplus.Deployment stays the construct users reach (deploymentOf).
    const namespace = ApiObject.of(deployment).metadata.namespace;
    const built = podTemplateDeployment(who, `podTemplate of version ${v}`, w.template, {
      name: names.name, namespace, app: names.app, version: v, replicas: w.autoscaling ? undefined : w.replicas, image: w.spec.image,
    });
    deployment.node.tryRemoveChild('Resource');
    const annotations = { ...built.metadataAnnotations };
    if (built.changes.length > 0) {
      annotations[POD_TEMPLATE_CHANGES_ANNOTATION] = built.changes.join('; ');
      deployment.node.addMetadata('cdk8s-canary:pod-template-changes', `${who}: version ${v}'s Deployment changes ${w.template.source}: ${built.changes.join('; ')}`);
    }
    const hasAnnotations = Object.keys(annotations).length > 0;
    new ApiObject(deployment, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: names.name, namespace, labels: built.metadataLabels, annotations: hasAnnotations ? annotations : undefined },
      spec: built.spec,
    });
    const counts = () => ({
      containers: deployment.containers.length, initContainers: deployment.initContainers.length, volumes: deployment.volumes.length,
    });
    const placeholder = counts();
    deployment.node.addValidation({
      validate: () => {
        const now = counts();
        const changed = (Object.keys(now) as Array<keyof typeof now>).filter(k => now[k] !== placeholder[k]);
        return changed.length === 0 ? [] : [`${who}: version ${v}'s Deployment comes from its podTemplate, so ${changed.join(', ')} added to the cdk8s-plus Deployment are not rendered; add them to the pod template`];
      },
    });
  } else if (w.autoscaling) {
    deployment.markHasAutoscaler();
  }
  const out: ApiObject[] = [];
  if (w.autoscaling) {
    const a = w.autoscaling;
    out.push(new ApiObject(scope, `HorizontalPodAutoscaler-${v}`, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: names.name, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.name },
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        metrics: a.metrics.length > 0 ? a.metrics : undefined,
        behavior: a.behavior,
      },
    }));
  }
  if (w.podDisruptionBudget) {
    out.push(new ApiObject(scope, `PodDisruptionBudget-${v}`, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: names.name, labels },
      spec: { selector: { matchLabels: labels }, ...w.podDisruptionBudget },
    }));
  }
  return out;
}

/** The Deployment a version renders from a pod template, and the fields changed on the way. */
export interface PodTemplateDeployment {
  readonly metadataLabels: Record<string, string>;
  readonly metadataAnnotations: Record<string, string>;
  readonly spec: any;
  readonly changes: string[];
}

/**
 * The Deployment spec of a version from its pod template: every field kept, the owned ones
 * set (selector, `app`/`version` pod labels, replicas unless autoscaled, the image when
 * given), each change listed as `<field>: <before> -> <after>`.
 */
export function podTemplateDeployment(who: string, prop: string, t: ReadPodTemplate, own: {
  name: string; namespace?: string; app: string; version: string; replicas?: number; image?: string;
}): PodTemplateDeployment {
  const changes: string[] = [];
  const change = (field: string, before: unknown, after: unknown) => {
    if (JSON.stringify(before) !== JSON.stringify(after)) changes.push(`${field}: ${before === undefined ? '(none)' : JSON.stringify(before)} -> ${after === undefined ? '(none)' : JSON.stringify(after)}`);
  };
  const meta = t.deploymentMeta;
  if (meta.name !== undefined) change('metadata.name', meta.name, own.name);
  if (meta.namespace !== undefined) change('metadata.namespace', meta.namespace, own.namespace);
  const ownLabels = { app: own.app, version: own.version };
  const metaLabels: Record<string, string> = { ...(isObject(meta.labels) ? meta.labels : {}) };
  for (const [k, v] of Object.entries(ownLabels)) {
    if (metaLabels[k] !== undefined) change(`metadata.labels.${k}`, metaLabels[k], v);
    metaLabels[k] = v;
  }

  const spec: any = { ...t.deploymentSpec };
  const selector = { matchLabels: ownLabels };
  if (spec.selector !== undefined) change('spec.selector', spec.selector, selector);
  spec.selector = selector;
  if (own.replicas === undefined) {
    if (spec.replicas !== undefined) change('spec.replicas', spec.replicas, undefined);
    delete spec.replicas;
  } else {
    if (spec.replicas !== undefined) change('spec.replicas', spec.replicas, own.replicas);
    spec.replicas = own.replicas;
  }

  const template = { ...t.template, metadata: { ...(t.template.metadata ?? {}) } };
  const podLabels = { ...(template.metadata.labels ?? {}) };
  for (const [k, v] of Object.entries(ownLabels)) {
    change(`spec.template.metadata.labels.${k}`, podLabels[k], v);
    podLabels[k] = v;
  }
  template.metadata.labels = podLabels;
  if (own.image !== undefined) {
    const containers: any[] = template.spec.containers;
    const named = t.container ?? (containers.length === 1 ? containers[0].name : own.app);
    const i = containers.findIndex(c => c.name === named);
    if (i < 0) {
      fail(who, `${prop}: image is set but ${t.source} has no container ${show(named)} to set it on (containers: ${containers.map(c => c.name).join(', ')}); name the application's container with PodTemplateOptions.container`);
    }
    change(`spec.template.spec.containers[${i}].image`, containers[i].image, own.image);
    template.spec = { ...template.spec, containers: containers.map((c, j) => j === i ? { ...c, image: own.image } : c) };
  } else if (t.container !== undefined && !template.spec.containers.some((c: any) => c.name === t.container)) {
    fail(who, `${prop}: container is ${show(t.container)} but ${t.source} has no such container (containers: ${template.spec.containers.map((c: any) => c.name).join(', ')})`);
  }
  spec.template = template;
  const annotations = isObject(meta.annotations) ? { ...meta.annotations } : {};
  return { metadataLabels: metaLabels, metadataAnnotations: annotations, spec, changes };
}

/** The share `percent` of `replicas`, rounded up, at least one. */
export function shareOfReplicas(replicas: number, percent: number): number {
  return Math.max(1, Math.ceil(replicas * percent / 100));
}
