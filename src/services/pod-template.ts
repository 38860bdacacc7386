import { ApiObject } from 'cdk8s';
import { copyJson, isObject, ReadPodTemplate } from './_pod-template-read';
import { fail, show } from '../internal/validation';

/** Options of a `PodTemplate`. */
export interface PodTemplateOptions {
  /**
   * The name of the application's container in the template: the one whose image
   * `VersionSpec.image` replaces. Sidecars and init containers are kept as they are.
   * @default - the only container, or the container named like the service
   */
  readonly container?: string;
}

/**
 * The pod template of a version, taken from what a team already has: a Deployment or a
 * pod template loaded with cdk8s `Include` or `Yaml.load` (e.g. from what `helm template`
 * renders), or synthesized by any cdk8s-plus version.
 *
 * The version's Deployment keeps every field of it and sets only what the library owns: the
 * Deployment's name and namespace, the `app` and `version` labels of the Deployment and of
 * its pods, the selector, `replicas` (omitted when `VersionSpec.autoscaling` is set) and, when
 * `VersionSpec.image` is given, the image of the application's container. The Deployment's
 * annotation `cdk8s-canary.io/pod-template-changes` lists the fields it changed.
 *
 * @see https://cdk8s.io/docs/latest/basics/include/
 */
export class PodTemplate {
  /**
   * The template of a cdk8s object of kind `Deployment` (apps/v1) or `PodTemplate` (v1), read
   * when the version's Deployment is built. Load it in an `App` you do not synthesize (e.g.
   * `new Include(new Chart(new App(), 'helm'), 'reviews', { url })`): an object of the same
   * app would be synthesized too, and its pods would join the service's.
   */
  public static fromApiObject(apiObject: ApiObject, options: PodTemplateOptions = {}): PodTemplate {
    return new PodTemplate(apiObject, undefined, options);
  }

  /**
   * The template of a plain Kubernetes object: a Deployment (apps/v1), a PodTemplate (v1), or a
   * pod template itself (`{ metadata, spec: { containers } }`), e.g. one of the objects
   * `Yaml.load('rendered.yaml')` returns. It is copied when the version's Deployment is built.
   */
  public static fromObject(manifest: any, options: PodTemplateOptions = {}): PodTemplate {
    return new PodTemplate(undefined, manifest, options);
  }

  private constructor(
    private readonly apiObject: ApiObject | undefined,
    private readonly manifest: any,
    private readonly options: PodTemplateOptions) {
  }

  /** @internal */
  public _read(who: string, prop: string, root: unknown): ReadPodTemplate {
    let json: any;
    if (this.apiObject !== undefined) {
      if (!ApiObject.isApiObject(this.apiObject)) fail(who, `${prop} must come from a cdk8s ApiObject, got ${show(this.apiObject)}`);
      if (this.apiObject.node.root === root) {
        fail(who, `${prop} comes from ${this.apiObject.kind} ${show(this.apiObject.node.path)}, which is part of the app being synthesized: it would be applied besides the version's Deployment and its pods would join the service's; load it in an App you do not synthesize, or with Yaml.load and PodTemplate.fromObject`);
      }
      json = this.apiObject.toJson();
    } else {
      json = this.manifest;
    }
    // A copy: later changes to the source do not reach our output, and ours do not reach it.
    json = copyJson(who, prop, json);
    if (!isObject(json)) fail(who, `${prop} must be a Deployment, a PodTemplate or a pod template object, got ${show(json)}`);
    let deploymentSpec: Record<string, unknown> = {};
    let deploymentMeta: Record<string, unknown> = {};
    let template: any;
    let source: string;
    if (json.kind === 'Deployment') {
      if (json.apiVersion !== 'apps/v1') fail(who, `${prop} is a Deployment of apiVersion ${show(json.apiVersion)}; only apps/v1 is supported`);
      if (!isObject(json.spec)) fail(who, `${prop} is a Deployment without a spec`);
      const { template: t, ...rest } = json.spec;
      deploymentSpec = rest;
      deploymentMeta = isObject(json.metadata) ? json.metadata : {};
      template = t;
      source = `Deployment ${show(deploymentMeta.name ?? '(unnamed)')}`;
    } else if (json.kind === 'PodTemplate') {
      if (json.apiVersion !== 'v1') fail(who, `${prop} is a PodTemplate of apiVersion ${show(json.apiVersion)}; only v1 is supported`);
      template = json.template;
      source = `PodTemplate ${show(json.metadata?.name ?? '(unnamed)')}`;
    } else if (json.kind === undefined && json.apiVersion === undefined) {
      template = json;
      source = 'the pod template';
    } else {
      return fail(who, `${prop} must be a Deployment (apps/v1), a PodTemplate (v1) or a pod template, got kind ${show(json.kind)}`);
    }
    if (!isObject(template)) fail(who, `${prop}: ${source} has no pod template (spec.template), got ${show(template)}`);
    if (template.metadata !== undefined && !isObject(template.metadata)) fail(who, `${prop}: the template's metadata must be an object, got ${show(template.metadata)}`);
    const spec = template.spec;
    if (!isObject(spec)) fail(who, `${prop}: ${source} has no pod spec (template.spec), got ${show(spec)}`);
    const containers = spec.containers;
    if (!Array.isArray(containers) || containers.length === 0) {
      fail(who, `${prop}: the pod spec of ${source} must have at least one container, got ${show(containers)}`);
    }
    containers.forEach((c: any, i: number) => {
      if (!isObject(c) || typeof c.name !== 'string' || c.name === '') fail(who, `${prop}: containers[${i}] of ${source} must be an object with a name, got ${show(c)}`);
    });
    const labels = template.metadata?.labels;
    if (labels !== undefined && (!isObject(labels) || Object.values(labels).some(v => typeof v !== 'string'))) {
      fail(who, `${prop}: the pod labels of ${source} must map names to strings, got ${show(labels)}`);
    }
    return { deploymentSpec, deploymentMeta, template, source, container: this.options.container };
  }
}
