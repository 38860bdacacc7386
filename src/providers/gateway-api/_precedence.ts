// Gateway API match precedence, in one place (internal). Shared by the renderer (which must
// emit routing that sends every request where the first-match routing model says it goes) and
// the reader (which builds a first-match model from HTTPRoutes/GRPCRoutes).
//
// Interface (stable; the reader may rely on it):
//   httpMatchPrecedence(match)  - the precedence key of one HTTPRouteMatch, given as the JSON
//                                 of the manifest (`{ path?, headers?, queryParams?, method? }`);
//                                 a match without path is PathPrefix "/" (the spec's default).
//   grpcMatchPrecedence(match)  - the same for one GRPCRouteMatch (`{ method?, headers? }`).
//   compareMatchPrecedence(a,b) - over two keys of the same kind: < 0 when `a` takes precedence,
//                                 > 0 when `b` does, 0 on a tie (then list order decides: the
//                                 first rule wins), `undefined` when the spec leaves the order to
//                                 the implementation (a RegularExpression path against any other
//                                 path but an identical one): then neither order may be assumed.
//
// HTTPRoute (apis/v1/httproute_types.go, HTTPRouteRule.Matches): "Across all rules specified on
// applicable Routes, precedence must be given to the match having: 'Exact' path match; 'Prefix'
// path match with largest number of characters; Method match; Largest number of header matches;
// Largest number of query param matches. Note: The precedence of RegularExpression path matches
// are implementation-specific. [...] If ties still exist within an HTTPRoute, matching
// precedence MUST be granted to the FIRST matching rule (in list order)".
//
// GRPCRoute (apis/v1/grpcroute_types.go, GRPCRouteRule.Matches): precedence to the rule with the
// largest number of characters in a matching service, then in a matching method, then header
// matches (the hostname criteria do not separate rules of one route); ties: list order.

/** The Gateway API precedence key of one route match. */
export interface MatchPrecedence {
  /** 'grpc' keys compare only with 'grpc' keys. */
  readonly kind: 'http' | 'grpc';
  /** HTTP: the path match type (PathPrefix "/" when the match has no path). */
  readonly pathType?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  /** HTTP: the path value. */
  readonly pathValue?: string;
  /** HTTP: whether the match has a method. */
  readonly method?: boolean;
  /** The number of header matches. */
  readonly headers: number;
  /** HTTP: the number of query parameter matches. */
  readonly queryParams?: number;
  /** gRPC: characters of the service matched (0 when absent). */
  readonly grpcService?: number;
  /** gRPC: characters of the method matched (0 when absent). */
  readonly grpcMethod?: number;
}

/** The precedence key of an HTTPRouteMatch (manifest JSON). */
export function httpMatchPrecedence(match: any): MatchPrecedence {
  const path = match?.path ?? {};
  return {
    kind: 'http',
    pathType: path.type ?? 'PathPrefix',
    pathValue: path.value ?? '/',
    method: match?.method !== undefined,
    headers: (match?.headers ?? []).length,
    queryParams: (match?.queryParams ?? []).length,
  };
}

/** The precedence key of a GRPCRouteMatch (manifest JSON). */
export function grpcMatchPrecedence(match: any): MatchPrecedence {
  return {
    kind: 'grpc',
    grpcService: (match?.method?.service ?? '').length,
    grpcMethod: (match?.method?.method ?? '').length,
    headers: (match?.headers ?? []).length,
  };
}

/**
 * Gateway API precedence between two matches: < 0 when `a` wins, > 0 when `b` wins, 0 on a
 * tie (the earlier rule in list order wins), `undefined` when it is implementation-specific.
 */
export function compareMatchPrecedence(a: MatchPrecedence, b: MatchPrecedence): number | undefined {
  if (a.kind !== b.kind) return undefined;
  if (a.kind === 'grpc') {
    return (b.grpcService! - a.grpcService!) || (b.grpcMethod! - a.grpcMethod!) || (b.headers - a.headers);
  }
  const regexA = a.pathType === 'RegularExpression';
  const regexB = b.pathType === 'RegularExpression';
  if (regexA || regexB) {
    // Only two identical regex paths are known to tie on the path criterion.
    if (!(regexA && regexB && a.pathValue === b.pathValue)) return undefined;
  } else {
    const exactA = a.pathType === 'Exact';
    const exactB = b.pathType === 'Exact';
    if (exactA !== exactB) return exactA ? -1 : 1;
    if (!exactA && a.pathValue!.length !== b.pathValue!.length) return b.pathValue!.length - a.pathValue!.length;
  }
  if (a.method !== b.method) return a.method ? -1 : 1;
  return (b.headers - a.headers) || (b.queryParams! - a.queryParams!);
}
