// The API server's Go validations (k8s.io/kubernetes pkg/apis/*/validation, apimachinery
// validation) that the OpenAPI specs do not carry and that matter for what we synthesize.
// Written from the Kubernetes API conventions and documentation; the same in 1.27 and 1.35 for
// the fields checked here. Added:
//
// - metadata.name: DNS-1123 subdomain (at most 253 characters), DNS-1035 label (at most 63) for
//   Services, DNS-1123 label for Namespaces; metadata.namespace: DNS-1123 label;
// - label keys (qualified names: optional DNS-1123-subdomain prefix and '/', then at most 63
//   alphanumerics, '-', '_', '.', starting and ending alphanumeric) and values (empty or the same
//   63-character syntax), on every ObjectMeta (so pod templates too) and in label selectors;
//   annotation keys (qualified names), annotations at most 256 KiB in total;
// - label selectors: matchExpressions operators In/NotIn (with values), Exists/DoesNotExist
//   (without values);
// - ports: container ports and Service ports 1-65535, hostPort/nodePort 0-65535, named ports
//   IANA_SVC_NAME (at most 15 lowercase alphanumerics and '-', a letter, no '--', no '-' at either
//   end), Service targetPort and probe ports (httpGet, tcpSocket: number 1-65535 or IANA_SVC_NAME;
//   grpc: 1-65535), protocols TCP/UDP/SCTP, no duplicate port+protocol in a Service, Service port
//   names DNS-1123 labels, required when there is more than one port, unique; container port
//   names unique within a container;
// - Services: type ClusterIP/NodePort/LoadBalancer/ExternalName, selector labels valid;
// - Deployments: spec.selector required and non-empty, the template's labels match it (matchLabels
//   and matchExpressions), replicas/revisionHistoryLimit/minReadySeconds >= 0, template
//   restartPolicy Always, at least one container, container names DNS-1123 labels and unique
//   (init containers included), imagePullPolicy Always/IfNotPresent/Never;
// - resource quantities (every Quantity, e.g. requests and limits): the Quantity syntax;
// - Ingress: pathType required and Exact/Prefix/ImplementationSpecific, Exact/Prefix paths start
//   with '/', each backend exactly one of service/resource, service port exactly one of
//   name/number (number 1-65535), rule hosts DNS-1123 subdomains (an optional leading '*.'),
//   and ingress-nginx's validation of its annotations' values (test/util/ingress-nginx.ts).

import { validateNginxAnnotations } from './ingress-nginx';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

function dns1123Label(s: string): string | undefined {
  if (s.length > 63) return 'must be no more than 63 characters';
  return DNS1123_LABEL.test(s) ? undefined : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
}
function dns1123Subdomain(s: string): string | undefined {
  if (s.length > 253) return 'must be no more than 253 characters';
  return DNS1123_SUBDOMAIN.test(s) ? undefined : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
}
function dns1035Label(s: string): string | undefined {
  if (s.length > 63) return 'must be no more than 63 characters';
  return DNS1035_LABEL.test(s) ? undefined : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
}
function qualifiedName(s: string): string | undefined {
  const parts = s.split('/');
  if (parts.length > 2) return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'";
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const p = dns1123Subdomain(prefix);
    if (p) return `prefix part ${p}`;
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  return QUALIFIED_NAME.test(name) ? undefined : "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
}
function labelValue(s: string): string | undefined {
  if (s.length > 63) return 'must be no more than 63 characters';
  return s === '' || QUALIFIED_NAME.test(s) ? undefined : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
}
function ianaSvcName(s: string): string | undefined {
  if (s.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(s)) return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  if (s.includes('--')) return 'must not contain consecutive hyphens';
  if (!/[a-z]/.test(s)) return 'must contain at least one letter (a-z)';
  if (s.startsWith('-') || s.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

type Errors = string[];
const invalid = (errors: Errors, path: string, value: unknown, why: string) => errors.push(`${path}: Invalid value: ${JSON.stringify(value)}: ${why}`);

function portNumber(errors: Errors, path: string, v: unknown, min = 1): void {
  if (typeof v === 'number' && (v < min || v > 65535)) invalid(errors, path, v, `must be between ${min} and 65535, inclusive`);
}
function portNumberOrName(errors: Errors, path: string, v: unknown): void {
  if (typeof v === 'number') {
    portNumber(errors, path, v);
  } else if (typeof v === 'string') {
    const e = ianaSvcName(v);
    if (e) invalid(errors, path, v, e);
  }
}
function protocol(errors: Errors, path: string, v: unknown): void {
  if (v !== undefined && !['TCP', 'UDP', 'SCTP'].includes(v as string)) errors.push(`${path}: Unsupported value: ${JSON.stringify(v)}: supported values: "SCTP", "TCP", "UDP"`);
}

/** Label map syntax (keys qualified names, values label values). */
function labels(errors: Errors, path: string, m: any): void {
  if (!m || typeof m !== 'object') return;
  for (const [k, v] of Object.entries(m)) {
    const ek = qualifiedName(k);
    if (ek) invalid(errors, path, k, ek);
    if (typeof v === 'string') { const ev = labelValue(v); if (ev) invalid(errors, `${path}[${k}]`, v, ev); }
  }
}

function objectMeta(errors: Errors, path: string, meta: any): void {
  if (!meta || typeof meta !== 'object') return;
  if (typeof meta.namespace === 'string') { const e = dns1123Label(meta.namespace); if (e) invalid(errors, `${path}.namespace`, meta.namespace, e); }
  labels(errors, `${path}.labels`, meta.labels);
  if (meta.annotations && typeof meta.annotations === 'object') {
    let total = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      const e = qualifiedName(k.toLowerCase());
      if (e) invalid(errors, `${path}.annotations`, k, e);
      total += k.length + String(v).length;
    }
    if (total > 256 * 1024) errors.push(`${path}.annotations: Too long: must have at most 262144 bytes`);
  }
}

function labelSelector(errors: Errors, path: string, sel: any): void {
  if (!sel || typeof sel !== 'object') return;
  labels(errors, `${path}.matchLabels`, sel.matchLabels);
  (sel.matchExpressions ?? []).forEach((e: any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (typeof e?.key === 'string') { const ek = qualifiedName(e.key); if (ek) invalid(errors, `${p}.key`, e.key, ek); }
    if (['In', 'NotIn'].includes(e?.operator)) {
      if (!e.values?.length) errors.push(`${p}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
    } else if (['Exists', 'DoesNotExist'].includes(e?.operator)) {
      if (e.values?.length) errors.push(`${p}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
    } else {
      errors.push(`${p}.operator: Invalid value: ${JSON.stringify(e?.operator)}: not a valid selector operator`);
    }
  });
}

/** Whether a label selector selects these labels. */
export function selects(sel: any, lbls: Record<string, string>): boolean {
  for (const [k, v] of Object.entries<string>(sel?.matchLabels ?? {})) if (lbls[k] !== v) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(lbls, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(lbls[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(lbls[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function container(errors: Errors, path: string, c: any): void {
  if (!c || typeof c !== 'object') return;
  if (typeof c.name === 'string') { const e = dns1123Label(c.name); if (e) invalid(errors, `${path}.name`, c.name, e); }
  if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) {
    errors.push(`${path}.imagePullPolicy: Unsupported value: ${JSON.stringify(c.imagePullPolicy)}: supported values: "Always", "IfNotPresent", "Never"`);
  }
  const names = new Set<string>();
  (c.ports ?? []).forEach((p: any, i: number) => {
    const at = `${path}.ports[${i}]`;
    portNumber(errors, `${at}.containerPort`, p?.containerPort);
    portNumber(errors, `${at}.hostPort`, p?.hostPort, 0);
    protocol(errors, `${at}.protocol`, p?.protocol);
    if (typeof p?.name === 'string') {
      const e = ianaSvcName(p.name);
      if (e) invalid(errors, `${at}.name`, p.name, e);
      if (names.has(p.name)) errors.push(`${at}.name: Duplicate value: ${JSON.stringify(p.name)}`);
      names.add(p.name);
    }
  });
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = c[probe];
    if (!pr) continue;
    if (pr.httpGet) portNumberOrName(errors, `${path}.${probe}.httpGet.port`, pr.httpGet.port);
    if (pr.tcpSocket) portNumberOrName(errors, `${path}.${probe}.tcpSocket.port`, pr.tcpSocket.port);
    if (pr.grpc) portNumber(errors, `${path}.${probe}.grpc.port`, pr.grpc.port);
  }
}

function podTemplate(errors: Errors, path: string, t: any): void {
  const spec = t?.spec;
  if (!spec) return;
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') errors.push(`${path}.spec.restartPolicy: Unsupported value: ${JSON.stringify(spec.restartPolicy)}: supported values: "Always"`);
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errors.push(`${path}.spec.containers: Required value`);
  const names = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    (spec[list] ?? []).forEach((c: any, i: number) => {
      container(errors, `${path}.spec.${list}[${i}]`, c);
      if (names.has(c?.name)) errors.push(`${path}.spec.${list}[${i}].name: Duplicate value: ${JSON.stringify(c.name)}`);
      names.add(c?.name);
    });
  }
}

function deployment(errors: Errors, o: any): void {
  const spec = o.spec ?? {};
  for (const f of ['replicas', 'revisionHistoryLimit', 'minReadySeconds', 'progressDeadlineSeconds']) {
    if (typeof spec[f] === 'number' && spec[f] < 0) invalid(errors, `spec.${f}`, spec[f], 'must be greater than or equal to 0');
  }
  const sel = spec.selector;
  if (!sel) errors.push('spec.selector: Required value');
  else if (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) invalid(errors, 'spec.selector', sel, 'empty selector is invalid for deployment');
  labelSelector(errors, 'spec.selector', sel);
  const tlabels = spec.template?.metadata?.labels ?? {};
  if (!Object.keys(tlabels).length) errors.push('spec.template.metadata.labels: Required value');
  if (sel && !selects(sel, tlabels)) invalid(errors, 'spec.template.metadata.labels', tlabels, '`selector` does not match template `labels`');
  podTemplate(errors, 'spec.template', spec.template);
}

// pkg/apis/autoscaling/validation: ValidateHorizontalPodAutoscalerSpec (minReplicas >= 1 without the
// HPAScaleToZero gate, maxReplicas >= minReplicas, a Utilization target's averageUtilization > 0).
function horizontalPodAutoscaler(errors: Errors, o: any): void {
  const spec = o.spec ?? {};
  const min = spec.minReplicas ?? 1;
  if (min < 1) invalid(errors, 'spec.minReplicas', min, 'must be greater than or equal to 1');
  if (spec.maxReplicas < min) invalid(errors, 'spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`');
  if (!spec.scaleTargetRef?.kind) errors.push('spec.scaleTargetRef.kind: Required value');
  if (!spec.scaleTargetRef?.name) errors.push('spec.scaleTargetRef.name: Required value');
  (spec.metrics ?? []).forEach((m: any, i: number) => {
    const key = { Resource: 'resource', Pods: 'pods', Object: 'object', External: 'external', ContainerResource: 'containerResource' }[m.type as string];
    if (!key) errors.push(`spec.metrics[${i}].type: Unsupported value: ${JSON.stringify(m.type)}`);
    else if (!m[key]) errors.push(`spec.metrics[${i}].${key}: Required value: must populate information for the given metric source`);
    const target = key ? m[key]?.target : undefined;
    if (target?.type === 'Utilization' && !(target.averageUtilization > 0)) invalid(errors, `spec.metrics[${i}].${key}.target.averageUtilization`, target.averageUtilization, 'must be greater than 0');
  });
}

// pkg/apis/policy/validation: ValidatePodDisruptionBudgetSpec (one of minAvailable and maxUnavailable,
// each non-negative and at most 100%).
function podDisruptionBudget(errors: Errors, o: any): void {
  const spec = o.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    invalid(errors, 'spec', spec, 'minAvailable and maxUnavailable cannot be both set');
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    const v = spec[f];
    if (typeof v === 'number' && v < 0) invalid(errors, `spec.${f}`, v, 'must be greater than or equal to 0');
    if (typeof v === 'string' && !(/^[0-9]+%$/.test(v) && parseInt(v, 10) <= 100)) invalid(errors, `spec.${f}`, v, 'must be a percentage from 0% to 100%');
  }
  labelSelector(errors, 'spec.selector', spec.selector);
}

function service(errors: Errors, o: any): void {
  const spec = o.spec ?? {};
  if (spec.type !== undefined && !['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(spec.type)) {
    errors.push(`spec.type: Unsupported value: ${JSON.stringify(spec.type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`);
  }
  labels(errors, 'spec.selector', spec.selector);
  const ports: any[] = spec.ports ?? [];
  if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') errors.push('spec.ports: Required value');
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && !p?.name) errors.push(`${at}.name: Required value`);
    if (typeof p?.name === 'string' && p.name !== '') {
      const e = dns1123Label(p.name);
      if (e) invalid(errors, `${at}.name`, p.name, e);
      if (names.has(p.name)) errors.push(`${at}.name: Duplicate value: ${JSON.stringify(p.name)}`);
      names.add(p.name);
    }
    portNumber(errors, `${at}.port`, p?.port);
    portNumber(errors, `${at}.nodePort`, p?.nodePort, 0);
    portNumberOrName(errors, `${at}.targetPort`, p?.targetPort);
    protocol(errors, `${at}.protocol`, p?.protocol);
    const key = `${p?.port}/${p?.protocol ?? 'TCP'}`;
    if (keys.has(key)) errors.push(`${at}: Duplicate value: ${JSON.stringify({ port: p?.port, protocol: p?.protocol ?? 'TCP' })}`);
    keys.add(key);
  });
}

function ingressBackend(errors: Errors, path: string, b: any): void {
  if (!b) return;
  if (!!b.service === !!b.resource) errors.push(`${path}: Invalid value: ${JSON.stringify(b)}: exactly one of service or resource must be specified`);
  const port = b.service?.port;
  if (b.service && (!port || (port.name !== undefined) === (port.number !== undefined))) {
    errors.push(`${path}.service.port: Invalid value: ${JSON.stringify(port)}: exactly one of name or number must be specified`);
  }
  if (port?.number !== undefined) portNumber(errors, `${path}.service.port.number`, port.number);
  if (typeof port?.name === 'string') { const e = ianaSvcName(port.name); if (e) invalid(errors, `${path}.service.port.name`, port.name, e); }
}

function ingress(errors: Errors, o: any): void {
  validateNginxAnnotations(o, errors);
  const spec = o.spec ?? {};
  ingressBackend(errors, 'spec.defaultBackend', spec.defaultBackend);
  (spec.rules ?? []).forEach((r: any, i: number) => {
    if (typeof r?.host === 'string') {
      const e = dns1123Subdomain(r.host.startsWith('*.') ? r.host.slice(2) : r.host);
      if (e) invalid(errors, `spec.rules[${i}].host`, r.host, e);
    }
    (r?.http?.paths ?? []).forEach((p: any, j: number) => {
      const at = `spec.rules[${i}].http.paths[${j}]`;
      if (p?.pathType === undefined) errors.push(`${at}.pathType: Required value: pathType must be specified`);
      else if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(p.pathType)) errors.push(`${at}.pathType: Unsupported value: ${JSON.stringify(p.pathType)}: supported values: "Exact", "ImplementationSpecific", "Prefix"`);
      if (['Exact', 'Prefix'].includes(p?.pathType) && !(typeof p.path === 'string' && p.path.startsWith('/'))) invalid(errors, `${at}.path`, p.path, 'must be an absolute path');
      ingressBackend(errors, `${at}.backend`, p?.backend);
    });
  });
}

/** The name rule of a kind's metadata.name. */
function nameRule(kind: string): (s: string) => string | undefined {
  if (kind === 'Service') return dns1035Label;
  if (kind === 'Namespace') return dns1123Label;
  return dns1123Subdomain;
}

/** metadata.name/labels/annotations checks for any object, built-in or custom. */
export function validateObjectMeta(o: any, errors: Errors): void {
  const meta = o?.metadata ?? {};
  if (typeof meta.name !== 'string' || meta.name === '') {
    if (!meta.generateName) errors.push('metadata.name: Required value: name or generateName is required');
  } else {
    const e = nameRule(o.kind)(meta.name);
    if (e) invalid(errors, 'metadata.name', meta.name, e);
  }
}

/** Go validations for nodes reached through a `$ref` (wherever the type appears). */
export function validateRef(name: string, value: any, path: string, errors: Errors): void {
  switch (name) {
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': objectMeta(errors, path, value); break;
    case 'io.k8s.apimachinery.pkg.api.resource.Quantity':
      if (typeof value === 'string' && !QUANTITY.test(value)) invalid(errors, path, value, 'must be a quantity');
      break;
    default: break;
  }
}

/** Go validations of a whole built-in object, by kind. */
export function validateKind(o: any, errors: Errors): void {
  validateObjectMeta(o, errors);
  switch (`${o.apiVersion}/${o.kind}`) {
    case 'apps/v1/Deployment': deployment(errors, o); break;
    case 'v1/Service': service(errors, o); break;
    case 'networking.k8s.io/v1/Ingress': ingress(errors, o); break;
    case 'autoscaling/v2/HorizontalPodAutoscaler': horizontalPodAutoscaler(errors, o); break;
    case 'policy/v1/PodDisruptionBudget': podDisruptionBudget(errors, o); break;
    default: break;
  }
}
