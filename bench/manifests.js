// The benchmark's workload, written out as literal Kubernetes/Istio objects.
//
// Service i is a CanaryService `svc<i>` (port 8080, stable v1 + canary v2 at canaryWeight 20,
// images example.com/svc<i>:<version>) with one HeaderMatchRoute `svc<i>-beta` sending
// `x-beta: true` to v2. These are the five objects cdk8s-canary renders for it, with every
// default it and cdk8s-plus-27 emit, keys sorted as cdk8s sorts them. The floor (a) and
// the raw ApiObjects case (b) use them; bench/run.js checks before timing anything that they
// are equal to what the constructs synthesize, so a changed default fails the run loudly
// instead of skewing the comparison.
'use strict';
const crypto = require('crypto');

const CHART_ID = 'bench';
const PORT = 8080;
const STABLE = 'v1';
const CANARY = 'v2';
const CANARY_WEIGHT = 20;
const HEADER = 'x-beta';
const HEADER_VALUE = 'true';

const serviceName = i => `svc${i}`;
const image = (i, version) => `example.com/svc${i}:${version}`;

/**
 * The `cdk8s.io/metadata.addr` pod label cdk8s-plus-27 puts on every workload:
 * `Names.toLabelValue(deployment)` for the construct path `<chart>/svc<i>/Deployment-<v>`,
 * i.e. the path joined by '-' plus the first 8 characters of the construct address
 * (constructs' `node.addr`: 'c8' + sha1 of the path ids, root '' included, each followed
 * by '\n'). Plain node crypto, so the floor never loads cdk8s.
 */
function addrLabel(i, version) {
  const ids = ['', CHART_ID, serviceName(i), `Deployment-${version}`];
  const hash = crypto.createHash('sha1');
  for (const id of ids) {
    hash.update(id);
    hash.update('\n');
  }
  const addr = 'c8' + hash.digest('hex');
  return `${ids.slice(1).join('-')}-${addr.substring(0, 8)}`;
}

function deployment(i, version) {
  const name = serviceName(i);
  const labels = {
    'app': name,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/version': version,
    'version': version,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { labels: { ...labels }, name: `${name}-${version}` },
    spec: {
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      replicas: 1,
      selector: { matchLabels: { app: name, version } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: {
          labels: {
            'app': name,
            'app.kubernetes.io/name': name,
            'app.kubernetes.io/version': version,
            'cdk8s.io/metadata.addr': addrLabel(i, version),
            'version': version,
          },
        },
        spec: {
          automountServiceAccountToken: false,
          containers: [{
            image: image(i, version),
            imagePullPolicy: 'Always',
            name,
            ports: [{ containerPort: PORT }],
            resources: {
              limits: { cpu: '1500m', memory: '2048Mi' },
              requests: { cpu: '1000m', memory: '512Mi' },
            },
            securityContext: {
              allowPrivilegeEscalation: false,
              privileged: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
            },
            startupProbe: { failureThreshold: 3, tcpSocket: { port: PORT } },
          }],
          dnsPolicy: 'ClusterFirst',
          hostNetwork: false,
          restartPolicy: 'Always',
          securityContext: { fsGroupChangePolicy: 'Always', runAsNonRoot: true },
          setHostnameAsFQDN: false,
          terminationGracePeriodSeconds: 30,
        },
      },
    },
  };
}

function service(i) {
  const name = serviceName(i);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { labels: { app: name, service: name }, name },
    spec: {
      ports: [{ name: 'http', port: PORT, targetPort: PORT }],
      selector: { app: name },
      type: 'ClusterIP',
    },
  };
}

function destinationRule(i) {
  const name = serviceName(i);
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name },
    spec: {
      host: name,
      subsets: [
        { labels: { version: STABLE }, name: STABLE },
        { labels: { version: CANARY }, name: CANARY },
      ],
    },
  };
}

function virtualService(i) {
  const name = serviceName(i);
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name },
    spec: {
      hosts: [name],
      http: [
        {
          match: [{ headers: { [HEADER]: { exact: HEADER_VALUE } } }],
          name: `${name}-beta`,
          route: [{ destination: { host: name, subset: CANARY } }],
        },
        {
          route: [
            { destination: { host: name, subset: STABLE }, weight: 100 - CANARY_WEIGHT },
            { destination: { host: name, subset: CANARY }, weight: CANARY_WEIGHT },
          ],
        },
      ],
    },
  };
}

/** The five objects of service i, in cdk8s-canary's output order. */
function manifestsFor(i) {
  return [deployment(i, STABLE), deployment(i, CANARY), service(i), destinationRule(i), virtualService(i)];
}

module.exports = {
  CHART_ID, PORT, STABLE, CANARY, CANARY_WEIGHT, HEADER, HEADER_VALUE,
  serviceName, image, addrLabel, manifestsFor, deployment, service, destinationRule, virtualService,
};
