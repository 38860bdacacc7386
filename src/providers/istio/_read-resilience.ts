// Reading an HTTPRoute's timeout, retries, header operations and fault into the routing
// model (internal; used by the reader's _object-index).
import { parseDuration } from '../../internal/duration';
import { withoutUndefined } from '../../model/_util';
import { FaultAbort, FaultDelay, FaultInjection, HeaderOperations, RetryCondition, RetryPolicy } from '../../model/resilience';
import { RouteRule } from '../../model/routing-model';

type Warn = (message: string) => void;

/** The resilience fields of an HTTPRoute JSON; what cannot be read is warned about and left out. */
export function readResilience(r: any, where: string, warn: Warn): Pick<RouteRule, 'timeout' | 'retries' | 'headers' | 'fault'> {
  return withoutUndefined({
    timeout: readDurationField(r.timeout, `${where}: timeout`, warn),
    retries: readRetries(r.retries, where, warn),
    headers: readHeaders(r.headers),
    fault: readFault(r.fault, where, warn),
  });
}

function readDurationField(value: unknown, what: string, warn: Warn) {
  if (value === undefined || value === null) return undefined;
  const d = parseDuration(value);
  if (!d) warn(`${what} ${JSON.stringify(value)} is not a duration; ignored`);
  return d;
}

function readRetries(retries: any, where: string, warn: Warn): RetryPolicy | undefined {
  if (!retries || typeof retries !== 'object') return undefined;
  const retryOn: RetryCondition[] = [];
  const codes: number[] = [];
  const known = Object.values(RetryCondition) as string[];
  for (const raw of typeof retries.retryOn === 'string' ? retries.retryOn.split(',') : []) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (/^[0-9]+$/.test(entry)) codes.push(Number(entry));
    else if (known.includes(entry)) retryOn.push(entry as RetryCondition);
    else warn(`${where}: retryOn condition ${JSON.stringify(entry)} is not one Istio accepts; ignored`);
  }
  return withoutUndefined({
    // Istio's default when attempts is not set is 2; an explicit 0 disables retries.
    attempts: typeof retries.attempts === 'number' ? retries.attempts : 2,
    perTryTimeout: readDurationField(retries.perTryTimeout, `${where}: retries.perTryTimeout`, warn),
    retryOn: retryOn.length > 0 ? retryOn : undefined,
    retryOnStatusCodes: codes.length > 0 ? codes : undefined,
  });
}

function stringRecord(value: unknown): { [name: string]: string } | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: { [name: string]: string } = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.map(String) : undefined;
}

/** Request removals are the model's `removeRequestHeaders`, read by the caller; the rest is here. */
function readHeaders(headers: any): HeaderOperations | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const ops: HeaderOperations = withoutUndefined({
    requestSet: stringRecord(headers.request?.set),
    requestAdd: stringRecord(headers.request?.add),
    responseSet: stringRecord(headers.response?.set),
    responseAdd: stringRecord(headers.response?.add),
    responseRemove: stringList(headers.response?.remove),
  });
  return Object.keys(ops).length > 0 ? ops : undefined;
}

function readFault(fault: any, where: string, warn: Warn): FaultInjection | undefined {
  if (!fault || typeof fault !== 'object') return undefined;
  const percentOf = (p: any) => (typeof p?.percentage?.value === 'number' ? p.percentage.value : typeof p?.percent === 'number' ? p.percent : undefined);
  let delay: FaultDelay | undefined;
  let abort: FaultAbort | undefined;
  if (fault.delay) {
    const fixedDelay = readDurationField(fault.delay.fixedDelay, `${where}: fault.delay.fixedDelay`, warn);
    if (fixedDelay) delay = withoutUndefined({ fixedDelay, percent: percentOf(fault.delay) });
    else if (fault.delay.fixedDelay === undefined) warn(`${where}: fault.delay without fixedDelay is not modelled; ignored`);
  }
  if (fault.abort) {
    if (typeof fault.abort.httpStatus === 'number') abort = withoutUndefined({ httpStatus: fault.abort.httpStatus, percent: percentOf(fault.abort) });
    else warn(`${where}: fault.abort without httpStatus (gRPC or HTTP/2 errors) is not modelled; ignored`);
  }
  try {
    if (delay && abort) return FaultInjection.delayAndAbort(delay, abort);
    if (delay) return FaultInjection.delay(delay);
    if (abort) return FaultInjection.abort(abort);
  } catch (e) {
    warn(`${where}: fault cannot be modelled (${(e as Error).message}); ignored`);
  }
  return undefined;
}
