// Validates Kubernetes objects against the Kubernetes OpenAPI schemas compiled by
// kubernetes-models (an ES module, hence this separate process). Reads a JSON array of
// objects on stdin and prints a JSON array of error strings, one entry per object ('' when valid).
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';

const MODELS = { 'apps/v1/Deployment': Deployment, 'v1/Service': Service };

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((obj) => {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return `no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`;
  try {
    new Model(obj).validate();
    return '';
  } catch (e) {
    return `${e.message} ${JSON.stringify(e.errors ?? e.details ?? '')}`;
  }
});
process.stdout.write(JSON.stringify(results));
