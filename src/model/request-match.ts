import { RE2JS } from 're2js';
import { JWT_CLAIM_HEADER_PREFIX } from './_constants';
import { compiledRegex, escapeRegex, validateRegex } from '../internal/regex';
import { fail, isHttpToken, isLabelKey, isLabelValue, show, validateNonEmptyString } from '../internal/validation';

/** How a `StringMatch` compares a value. */
export enum StringMatchType {
  /** The whole value equals the string. */
  EXACT = 'exact',
  /** The value starts with the string. */
  PREFIX = 'prefix',
  /** The whole value matches the RE2 regular expression (Envoy matches regexes against the full value). */
  REGEX = 'regex',
  /** The header is present, whatever its value (Istio's empty StringMatch `{}`). */
  PRESENT = 'present',
  /**
   * The path is the string or starts with it followed by `/`: a prefix of whole path
   * segments, a trailing `/` of the string ignored (the Gateway API's PathPrefix).
   */
  PATH_PREFIX = 'pathPrefix',
}

/**
 * A match on a string value: exact, prefix or RE2 regex, as Istio's `StringMatch`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export class StringMatch {
  /** The value equals `value` exactly (case-sensitive). */
  public static exact(value: string): StringMatch {
    return new StringMatch(StringMatchType.EXACT, StringMatch.nonEmpty('exact', value));
  }

  /**
   * The value starts with `value` (case-sensitive): a prefix of characters, so `/api` also
   * matches `/apix`.
   *
   * For a path, prefer `StringMatch.pathPrefix()`, which means the same on every provider. A
   * character prefix is Istio's `prefix`; the Gateway API has no such path match: the Gateway
   * API provider renders `/` as PathPrefix `/` and any other as a RegularExpression path,
   * whose precedence is implementation-specific, so it refuses one that a later route could
   * outrank. ingress-nginx and plain Kubernetes route no path conditions.
   *
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
   */
  public static prefix(value: string): StringMatch {
    return new StringMatch(StringMatchType.PREFIX, StringMatch.nonEmpty('prefix', value));
  }

  /**
   * The request path is `value` or starts with `value` followed by `/`: a prefix of whole
   * path segments, so `/api` matches `/api`, `/api/` and `/api/v1`, not `/apix`. A trailing
   * `/` of `value` is ignored (`/api/` is `/api`); `/` matches every path.
   *
   * Only for paths (`RequestMatch.uri()`). Portable: the Gateway API renders it as a
   * PathPrefix, Istio as two matches (exact `/api` or prefix `/api/`), an Ingress path as
   * pathType `Prefix`.
   *
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#pathmatchtype
   */
  public static pathPrefix(value: string): StringMatch {
    const v = StringMatch.nonEmpty('pathPrefix', value);
    if (!v.startsWith('/') || v.includes('?') || v.includes('#') || /\/\/|(^|\/)\.\.?(\/|$)/.test(v) || /[\s\x00-\x1f\x7f]/.test(v)) {
      fail('StringMatch.pathPrefix', `value must be an absolute, normalized path ('/' first; no '//', '.' or '..' segments, '?', '#', spaces or control characters), got ${show(value)}`);
    }
    const trimmed = v.replace(/\/+$/, '');
    return new StringMatch(StringMatchType.PATH_PREFIX, trimmed === '' ? '/' : trimmed);
  }

  /**
   * The whole value matches the RE2 regular expression `pattern`.
   *
   * The pattern is checked now with RE2 semantics (what Envoy uses): look-arounds and
   * back-references are rejected, and so is a pattern longer than Istio's limit of 1024
   * characters. Envoy matches it against the full value, so `beta` does not match `xbeta`.
   *
   * @see https://github.com/google/re2/wiki/Syntax
   */
  public static regex(pattern: string): StringMatch {
    StringMatch.nonEmpty('regex', pattern);
    validateRegex('StringMatch.regex', pattern);
    return new StringMatch(StringMatchType.REGEX, pattern);
  }

  /** @internal presence only: rendered as `{}` */
  public static _present(): StringMatch {
    return new StringMatch(StringMatchType.PRESENT, '');
  }

  private static nonEmpty(factory: string, value: unknown): string {
    return validateNonEmptyString(`StringMatch.${factory}`, 'value', value);
  }

  private _compiled?: RE2JS;

  private constructor(
    /** How the value is compared. */
    public readonly type: StringMatchType,
    /** The string, prefix or pattern (empty for PRESENT). */
    public readonly value: string,
  ) {}

  /**
   * Whether `input` satisfies this match, with Envoy's semantics (a regex must match the
   * whole value). `undefined` stands for an absent header or parameter.
   */
  public matches(input?: string): boolean {
    if (input === undefined) return false;
    switch (this.type) {
      case StringMatchType.EXACT: return input === this.value;
      case StringMatchType.PREFIX: return input.startsWith(this.value);
      case StringMatchType.PRESENT: return true;
      case StringMatchType.PATH_PREFIX:
        return this.value === '/' ? input.startsWith('/') : input === this.value || input.startsWith(`${this.value}/`);
      case StringMatchType.REGEX:
        this._compiled ??= compiledRegex(this.value);
        return this._compiled.matches(input);
    }
  }

  /** A short human description, e.g. `prefix "/preview"`. */
  public toString(): string {
    return this.type === StringMatchType.PRESENT ? 'present' : `${this.type} ${JSON.stringify(this.value)}`;
  }
}

/**
 * Client operating system cohorts, matched on the `user-agent` header.
 *
 * User agents are set by clients: use these cohorts for convenience (a beta for macOS
 * users), never to gate access. iPadOS 13+ Safari asks for desktop sites by default and
 * identifies itself as macOS.
 */
export enum ClientOs {
  /** Windows desktops (`Windows NT`), including Xbox. */
  WINDOWS = 'windows',
  /** macOS desktops (`Macintosh; ... Mac OS X`). */
  MACOS = 'macos',
  /** Desktop Linux (`X11; ... Linux`), not Android or ChromeOS. */
  LINUX = 'linux',
  /** Android phones and tablets. */
  ANDROID = 'android',
  /** iPhone, iPad (when not requesting desktop sites) and iPod touch. */
  IOS = 'ios',
}

const CLIENT_OS_REGEX: Record<ClientOs, string> = {
  [ClientOs.WINDOWS]: '^.*Windows NT.*$',
  [ClientOs.MACOS]: '^.*\\(Macintosh;[^)]*Mac OS X[^)]*\\).*$',
  [ClientOs.LINUX]: '^.*\\(X11;[^)]*Linux[^)]*\\).*$',
  [ClientOs.ANDROID]: '^.*Android.*$',
  [ClientOs.IOS]: '^.*\\((iPhone|iPad|iPod)[;) ].*$',
};

/**
 * Client browser cohorts, matched on the `user-agent` header.
 *
 * Browsers copy each other's tokens (Edge, Opera and Samsung Internet say `Chrome`, Chrome
 * says `Safari`), so each cohort's regex is written against the others: a real user agent
 * falls into one cohort at most. Chromium browsers that send Chrome's exact user agent
 * (Brave, Vivaldi, Arc) are Chrome. User agents are set by clients: use these cohorts for
 * convenience, never to gate access.
 */
export enum ClientBrowser {
  /** Google Chrome on desktop and Android (`Chrome/... Safari/...` with no other browser's token), and on iOS (`CriOS/`). */
  CHROME = 'chrome',
  /** Mozilla Firefox (`Firefox/`), also on iOS (`FxiOS/`). */
  FIREFOX = 'firefox',
  /** Apple Safari on macOS and iOS (`Version/... Safari/` with no other browser's token). */
  SAFARI = 'safari',
  /** Microsoft Edge: Chromium Edge (`Edg/`), on Android (`EdgA/`), on iOS (`EdgiOS/`) and legacy Edge (`Edge/`). */
  EDGE = 'edge',
  /** Opera (`OPR/`), on iOS (`OPiOS/`), and Presto-era Opera and Opera Mini (`Opera/`, `Opera Mini/`). */
  OPERA = 'opera',
  /** Samsung Internet (`SamsungBrowser/`). */
  SAMSUNG_INTERNET = 'samsung-internet',
}

/** Chrome's and Safari's user agents end with their own tokens; other browsers add or insert theirs. */
const CLIENT_BROWSER_REGEX: Record<ClientBrowser, string> = {
  [ClientBrowser.CHROME]: '^.*\\(KHTML, like Gecko\\) (Chrome/[0-9.]+( Mobile)?|CriOS/[0-9.]+ Mobile/[0-9A-Za-z]+) Safari/[0-9.]+$',
  [ClientBrowser.FIREFOX]: '^.*(Firefox|FxiOS)/.*$',
  [ClientBrowser.SAFARI]: '^.*\\(KHTML, like Gecko\\) Version/[0-9.]+( Mobile/[0-9A-Za-z]+)? Safari/[0-9.]+$',
  [ClientBrowser.EDGE]: '^.* Edg(e|A|iOS)?/.*$',
  [ClientBrowser.OPERA]: '^.*( OPR/| OPiOS/|Opera[ /]).*$',
  [ClientBrowser.SAMSUNG_INTERNET]: '^.* SamsungBrowser/.*$',
};

/** The part of a request a `MatchCondition` looks at. */
export enum MatchField {
  /** A request header (also cookies, the user agent and, at a gateway, JWT claims). */
  HEADER = 'header',
  /** A request header that must be absent, or must not match. */
  WITHOUT_HEADER = 'withoutHeader',
  /** The request path. */
  URI = 'uri',
  /** A query parameter. */
  QUERY_PARAM = 'queryParam',
  /** The HTTP method. */
  METHOD = 'method',
  /** A label of the calling workload (in-mesh traffic only). */
  SOURCE_LABEL = 'sourceLabel',
  /**
   * The port the request is sent to (read from VirtualService `match.port`, a Gateway
   * listener's port or a GAMMA parentRef's `port`; the value is the port number, or a regex
   * over port numbers). Read from routing objects only: no factory builds it.
   */
  PORT = 'port',
  /**
   * The namespace of the calling workload, in-mesh traffic only (read from VirtualService
   * `match.sourceNamespace` and GAMMA consumer routes). Read from routing objects only: no
   * factory builds it.
   */
  SOURCE_NAMESPACE = 'sourceNamespace',
}

/** One condition of a `RequestMatch`: provider-neutral, read by renderers and the simulator. */
export interface MatchCondition {
  /** What part of the request is matched. */
  readonly field: MatchField;
  /**
   * The header, query parameter or source label name (lower-case for headers).
   * @default - none, for URI and METHOD
   */
  readonly name?: string;
  /** How the value is compared. */
  readonly match: StringMatch;
  /** A short human description, e.g. `cookie beta=true`. */
  readonly description: string;
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/**
 * Conditions on a request, ANDed together; a route's list of `RequestMatch`es is ORed.
 *
 * Create one with a static factory and combine several with `RequestMatch.all()`:
 *
 * ```ts
 * RequestMatch.all(RequestMatch.clientOs(ClientOs.MACOS), RequestMatch.uri(StringMatch.prefix('/preview')))
 * ```
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export class RequestMatch {
  /**
   * A request header matches. The name is lower-cased (Istio requires lower-case header names).
   * Values set by clients can be spoofed: see the README's "Spoofing" section.
   */
  public static header(name: string, match: StringMatch): RequestMatch {
    const n = headerName('RequestMatch.header', name);
    RequestMatch.requireStringMatch('RequestMatch.header', match);
    return RequestMatch.one({ field: MatchField.HEADER, name: n, match, description: `header ${n} ${match}` });
  }

  /** A request header is present, whatever its value. */
  public static headerPresent(name: string): RequestMatch {
    const n = headerName('RequestMatch.headerPresent', name);
    return RequestMatch.one({ field: MatchField.HEADER, name: n, match: StringMatch._present(), description: `header ${n} present` });
  }

  /**
   * A request header is absent (no `match`), or does not match `match` (Istio's `withoutHeaders`).
   */
  public static withoutHeader(name: string, match?: StringMatch): RequestMatch {
    const n = headerName('RequestMatch.withoutHeader', name);
    if (match !== undefined) RequestMatch.requireStringMatch('RequestMatch.withoutHeader', match);
    return RequestMatch.one({
      field: MatchField.WITHOUT_HEADER,
      name: n,
      match: match ?? StringMatch._present(),
      description: match ? `header ${n} not ${match}` : `header ${n} absent`,
    });
  }

  /**
   * A cookie `name` has exactly the value `value`. Rendered as an anchored RE2 regex on the
   * `cookie` header that matches `name=value` only as a whole cookie (not `xname=value`,
   * not `name=valuex`).
   */
  public static cookie(name: string, value: string): RequestMatch {
    if (!isHttpToken(name)) {
      fail('RequestMatch.cookie', `name must be a cookie name (an HTTP token: letters, digits and !#$%&'*+-.^_\`|~), got ${show(name)}`);
    }
    if (typeof value !== 'string' || !/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(value)) {
      fail('RequestMatch.cookie', `value must be a cookie value (printable ASCII without space, '"', ',', ';' or '\\'), got ${show(value)}`);
    }
    const pattern = `^(.*;[ \\t]*)?${escapeRegex(name)}=${escapeRegex(value)}([ \\t]*;.*)?$`;
    return RequestMatch.one({ field: MatchField.HEADER, name: 'cookie', match: StringMatch.regex(pattern), description: `cookie ${name}=${value}` });
  }

  /**
   * A header match as read from routing objects: a regex on `cookie` exactly as
   * `RequestMatch.cookie()` (or `_cookieAnyCase()`) renders it reads back as that cookie match.
   * @internal
   */
  public static _read(name: string, match: StringMatch): RequestMatch {
    const cookie = name.toLowerCase() === 'cookie' && match.type === StringMatchType.REGEX
      ? /^\^\(\.\*;\[ \\t\]\*\)\?(.+?)=(.*)\(\[ \\t\]\*;\.\*\)\?\$$/.exec(match.value) : null;
    if (cookie) {
      const unescape = (x: string) => x.replace(/\\(.)/g, '$1');
      const anyCase = /^\(\?i:(.+)\)$/.exec(cookie[1]);
      try {
        const read = anyCase
          ? RequestMatch._cookieAnyCase(unescape(anyCase[1]), unescape(cookie[2]))
          : RequestMatch.cookie(unescape(cookie[1]), unescape(cookie[2]));
        if (read.conditions[0].match.value === match.value) return read;
      } catch {
        // Not a cookie name and value: a plain header match.
      }
    }
    return RequestMatch.header(name, match);
  }

  /**
   * A cookie whose name matches in any case (as nginx's `$cookie_<name>` does) has this
   * value: `RequestMatch.cookie()` with a case-insensitive name; a name without letters is
   * `RequestMatch.cookie()` itself.
   * @internal
   */
  public static _cookieAnyCase(name: string, value: string): RequestMatch {
    const exact = RequestMatch.cookie(name, value);
    if (!/[a-z]/i.test(name)) return exact;
    const pattern = `^(.*;[ \\t]*)?(?i:${escapeRegex(name)})=${escapeRegex(value)}([ \\t]*;.*)?$`;
    return RequestMatch.one({ field: MatchField.HEADER, name: 'cookie', match: StringMatch.regex(pattern), description: `cookie ${name}=${value} (name in any case)` });
  }

  /** The request path matches (Istio's `uri`). */
  public static uri(match: StringMatch): RequestMatch {
    RequestMatch.requireStringMatch('RequestMatch.uri', match, true);
    return RequestMatch.one({ field: MatchField.URI, match, description: `uri ${match}` });
  }

  /**
   * A query parameter matches. Istio supports exact and regex matches on query parameters, not prefix.
   */
  public static queryParam(name: string, match: StringMatch): RequestMatch {
    validateNonEmptyString('RequestMatch.queryParam', 'name', name);
    RequestMatch.requireStringMatch('RequestMatch.queryParam', match);
    if (match.type === StringMatchType.PREFIX) {
      fail('RequestMatch.queryParam', `match must be StringMatch.exact() or StringMatch.regex() (Istio has no prefix match on query parameters), got ${match}`);
    }
    return RequestMatch.one({ field: MatchField.QUERY_PARAM, name, match, description: `query ${name} ${match}` });
  }

  /** The HTTP method is `method` (upper case, e.g. `GET`). */
  public static method(method: string): RequestMatch {
    if (!HTTP_METHODS.includes(method)) {
      fail('RequestMatch.method', `method must be one of ${HTTP_METHODS.join(', ')}, got ${show(method)}`);
    }
    return RequestMatch.one({ field: MatchField.METHOD, match: StringMatch.exact(method), description: `method ${method}` });
  }

  /**
   * The client's operating system, from its `user-agent` header. Convenient for opt-in
   * betas; user agents are set by clients and can be spoofed.
   */
  public static clientOs(os: ClientOs): RequestMatch {
    const pattern = Object.values(ClientOs).includes(os) ? CLIENT_OS_REGEX[os] : undefined;
    if (pattern === undefined) {
      fail('RequestMatch.clientOs', `os must be one of ${Object.values(ClientOs).join(', ')}, got ${show(os)}`);
    }
    return RequestMatch.one({ field: MatchField.HEADER, name: 'user-agent', match: StringMatch.regex(pattern), description: `client OS ${os}` });
  }

  /**
   * The client's browser, from its `user-agent` header (one browser per call; OR several
   * with several matches). Convenient for opt-in betas; user agents are set by clients and
   * can be spoofed.
   */
  public static clientBrowser(browser: ClientBrowser): RequestMatch {
    const pattern = Object.values(ClientBrowser).includes(browser) ? CLIENT_BROWSER_REGEX[browser] : undefined;
    if (pattern === undefined) {
      fail('RequestMatch.clientBrowser', `browser must be one of ${Object.values(ClientBrowser).join(', ')}, got ${show(browser)}`);
    }
    return RequestMatch.one({ field: MatchField.HEADER, name: 'user-agent', match: StringMatch.regex(pattern), description: `client browser ${browser}` });
  }

  /**
   * A claim of the request's validated JWT matches (`@request.auth.claims.<claim>`; nested
   * claims are separated by dots). Istio evaluates JWT claims only at a gateway with a
   * RequestAuthentication, and (since 1.24) accepts them only in a VirtualService bound to
   * gateways and not to `mesh`: the service needs `gateways` and `includeMesh: false`.
   * Unlike headers, claims cannot be spoofed by clients.
   *
   * @see https://istio.io/latest/docs/tasks/security/authentication/jwt-route/
   */
  public static jwtClaim(claim: string, match: StringMatch): RequestMatch {
    if (typeof claim !== 'string' || !/^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$/.test(claim)) {
      fail('RequestMatch.jwtClaim', `claim must be a claim name, nested names separated by '.', got ${show(claim)}`);
    }
    RequestMatch.requireStringMatch('RequestMatch.jwtClaim', match);
    return RequestMatch.one({ field: MatchField.HEADER, name: `${JWT_CLAIM_HEADER_PREFIX}${claim}`, match, description: `JWT claim ${claim} ${match}` });
  }

  /** The calling workload carries the label `name=value` (in-mesh traffic only). */
  public static sourceLabel(name: string, value: string): RequestMatch {
    validateNonEmptyString('RequestMatch.sourceLabel', 'name', name);
    validateNonEmptyString('RequestMatch.sourceLabel', 'value', value);
    if (!isLabelKey(name)) {
      fail('RequestMatch.sourceLabel', `name must be a Kubernetes label key (an optional DNS subdomain prefix and '/', then at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit), got ${show(name)}`);
    }
    if (!isLabelValue(value)) {
      fail('RequestMatch.sourceLabel', `value must be a Kubernetes label value (at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit), got ${show(value)}`);
    }
    return RequestMatch.one({ field: MatchField.SOURCE_LABEL, name, match: StringMatch.exact(value), description: `source label ${name}=${value}` });
  }

  /**
   * The request is sent to one of `ports` (a VirtualService's `match.port`, a listener's or a
   * GAMMA parentRef's port), as read from routing objects.
   * @internal
   */
  public static _port(ports: number[]): RequestMatch {
    const sorted = [...new Set(ports)].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some(p => !Number.isInteger(p) || p < 1 || p > 65535)) {
      fail('RequestMatch._port', `ports must be port numbers from 1 to 65535, got ${show(ports)}`);
    }
    const match = sorted.length === 1 ? StringMatch.exact(String(sorted[0])) : StringMatch.regex(`^(${sorted.join('|')})$`);
    return RequestMatch.one({ field: MatchField.PORT, match, description: `port ${sorted.join(' or ')}` });
  }

  /**
   * The calling workload runs in namespace `namespace` (in-mesh traffic only): a
   * VirtualService's `match.sourceNamespace`, or a GAMMA consumer route's namespace.
   * @internal
   */
  public static _sourceNamespace(namespace: string): RequestMatch {
    validateNonEmptyString('RequestMatch._sourceNamespace', 'namespace', namespace);
    return RequestMatch.one({ field: MatchField.SOURCE_NAMESPACE, match: StringMatch.exact(namespace), description: `client namespace ${namespace}` });
  }

  /**
   * All of `matches` hold (AND). Istio allows one condition per header, query parameter,
   * URI or method in a match, so two conditions on the same one are rejected.
   */
  public static all(...matches: RequestMatch[]): RequestMatch {
    if (matches.length === 0) fail('RequestMatch.all', 'needs at least one match, got none');
    matches.forEach((m, i) => {
      if (!(m instanceof RequestMatch)) fail('RequestMatch.all', `matches[${i}] must be a RequestMatch, got ${show(m)}`);
    });
    const conditions: MatchCondition[] = [];
    for (const m of matches) {
      for (const c of m.conditions) {
        const clash = conditions.find(o => sameSlot(o, c));
        if (clash) {
          fail('RequestMatch.all', `cannot AND "${clash.description}" and "${c.description}": Istio allows one condition per ${slotName(c)} in a match; use two routes or one regex`);
        }
        conditions.push(c);
      }
    }
    return new RequestMatch(conditions);
  }

  /**
   * A match of conditions already validated (taken from other matches), at most one per slot.
   * @internal
   */
  public static _ofConditions(conditions: MatchCondition[]): RequestMatch {
    return new RequestMatch([...conditions]);
  }

  private static one(condition: MatchCondition): RequestMatch {
    return new RequestMatch([condition]);
  }

  private static requireStringMatch(who: string, match: unknown, path = false): void {
    if (!(match instanceof StringMatch)) fail(who, `match must be a StringMatch, got ${show(match)}`);
    if (!path && match.type === StringMatchType.PATH_PREFIX) {
      fail(who, `match must not be StringMatch.pathPrefix(), which matches paths only (use it with RequestMatch.uri()), got ${match}`);
    }
  }

  /** The conditions, all of which must hold. */
  public readonly conditions: MatchCondition[];

  private constructor(conditions: MatchCondition[]) {
    this.conditions = conditions;
  }

  /** Whether the match needs a gateway-bound route (it has a JWT-claim condition). */
  public get requiresGateway(): boolean {
    return this.conditions.some(c => c.name?.startsWith(JWT_CLAIM_HEADER_PREFIX));
  }

  /** A stable key: equal for matches with the same conditions in any order. */
  public get key(): string {
    // JSON, so that separators inside names and values cannot make two different matches collide.
    return `[${this.conditions.map(c => JSON.stringify([c.field, c.name ?? '', c.match.type, c.match.value])).sort().join(',')}]`;
  }

  /** A short human description, e.g. `client OS macos and uri prefix "/preview"`. */
  public toString(): string {
    return this.conditions.map(c => c.description).join(' and ');
  }
}

function headerName(who: string, name: unknown): string {
  if (!isHttpToken(name)) {
    fail(who, `name must be an HTTP header name (a token of letters, digits and !#$%&'*+-.^_\`|~), got ${show(name)}`);
  }
  return name.toLowerCase();
}

function sameSlot(a: MatchCondition, b: MatchCondition): boolean {
  // Istio keys headers, withoutHeaders, queryParams and sourceLabels by name and has one uri and method.
  return a.field === b.field && a.name === b.name;
}

function slotName(c: MatchCondition): string {
  switch (c.field) {
    case MatchField.URI: return 'URI';
    case MatchField.METHOD: return 'method';
    case MatchField.QUERY_PARAM: return `query parameter "${c.name}"`;
    case MatchField.SOURCE_LABEL: return `source label "${c.name}"`;
    case MatchField.WITHOUT_HEADER: return `withoutHeaders entry "${c.name}"`;
    case MatchField.PORT: return 'port';
    case MatchField.SOURCE_NAMESPACE: return 'source namespace';
    default: return `header "${c.name}"`;
  }
}
