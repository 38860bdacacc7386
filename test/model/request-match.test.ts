import { ClientBrowser, ClientOs, MatchCondition, MatchField, RequestMatch, StringMatch, StringMatchType } from '../../src';
import { BROWSER_USER_AGENTS } from '../util/user-agents';

/** What RequestMatch's header-name check reports, after `got`. */
const HEADER_NAME_RULE = 'name must be an HTTP header name (a token of letters, digits and !#$%&\'*+-.^_`|~), got';
const RE2_RULE = 'pattern must be a valid RE2 regular expression (the syntax Envoy uses; no look-arounds or back-references), got';

/** A condition, for toEqual: the StringMatch is compared by type and value only. */
function cond(field: MatchField, name: string | undefined, type: StringMatchType, value: string, description: string): MatchCondition {
  return { field, name, match: expect.objectContaining({ type, value }), description };
}

/** The single condition of a one-condition match. */
function only(m: RequestMatch): MatchCondition {
  expect(m.conditions).toHaveLength(1);
  return m.conditions[0];
}

describe('StringMatch', () => {
  test.each([
    ['exact', StringMatch.exact('jason'), StringMatchType.EXACT, 'jason', 'exact "jason"'],
    ['prefix', StringMatch.prefix('/preview'), StringMatchType.PREFIX, '/preview', 'prefix "/preview"'],
    ['regex', StringMatch.regex('^v[0-9]+$'), StringMatchType.REGEX, '^v[0-9]+$', 'regex "^v[0-9]+$"'],
    ['pathPrefix', StringMatch.pathPrefix('/api'), StringMatchType.PATH_PREFIX, '/api', 'pathPrefix "/api"'],
    ['pathPrefix without its trailing slash', StringMatch.pathPrefix('/api/'), StringMatchType.PATH_PREFIX, '/api', 'pathPrefix "/api"'],
    ['pathPrefix of the root', StringMatch.pathPrefix('/'), StringMatchType.PATH_PREFIX, '/', 'pathPrefix "/"'],
  ])('%s keeps its type and value and describes itself', (_, match, type, value, description) => {
    expect(match.type).toBe(type);
    expect(match.value).toBe(value);
    expect(match.toString()).toBe(description);
  });

  test('a presence match describes itself as present and has an empty value', () => {
    const match = only(RequestMatch.headerPresent('x-debug')).match;
    expect(match.type).toBe(StringMatchType.PRESENT);
    expect(match.value).toBe('');
    expect(match.toString()).toBe('present');
  });

  test('toString escapes quotes in the value as JSON does', () => {
    expect(StringMatch.exact('say "hi"').toString()).toBe('exact "say \\"hi\\""');
  });

  describe('matches() with Envoy semantics', () => {
    const present = only(RequestMatch.headerPresent('x-debug')).match;
    test.each<[string, StringMatch, string | undefined, boolean]>([
      ['exact equal', StringMatch.exact('beta'), 'beta', true],
      ['exact is case-sensitive', StringMatch.exact('beta'), 'Beta', false],
      ['exact is not a prefix match', StringMatch.exact('beta'), 'beta2', false],
      ['exact is not a substring match', StringMatch.exact('beta'), 'xbeta', false],
      ['prefix equal', StringMatch.prefix('/api'), '/api', true],
      ['prefix longer', StringMatch.prefix('/api'), '/api/v1/users', true],
      ['prefix in the middle', StringMatch.prefix('/api'), '/v1/api', false],
      ['prefix is case-sensitive', StringMatch.prefix('/api'), '/API', false],
      ['regex whole value', StringMatch.regex('beta'), 'beta', true],
      ['regex is a full match, not a search (leading text)', StringMatch.regex('beta'), 'xbeta', false],
      ['regex is a full match, not a search (trailing text)', StringMatch.regex('beta'), 'betax', false],
      ['regex alternation must cover the whole value', StringMatch.regex('a|b'), 'ab', false],
      ['regex alternation', StringMatch.regex('a|b'), 'b', true],
      ['regex with explicit anchors', StringMatch.regex('^v[0-9]+$'), 'v42', true],
      ['regex with explicit anchors, no match', StringMatch.regex('^v[0-9]+$'), 'v42a', false],
      ['regex with .* on both sides is a search', StringMatch.regex('.*beta.*'), 'xbetax', true],
      ['regex on the empty value', StringMatch.regex('a*'), '', true],
      ['present matches any value', present, 'anything', true],
      ['present matches an empty value', present, '', true],
      ['exact on an absent value', StringMatch.exact('beta'), undefined, false],
      ['prefix on an absent value', StringMatch.prefix('b'), undefined, false],
      ['regex on an absent value', StringMatch.regex('.*'), undefined, false],
      ['present on an absent value', present, undefined, false],
      // Gateway API PathPrefix (httproute_types.go): whole path elements, a trailing '/' ignored.
      ['pathPrefix equal', StringMatch.pathPrefix('/api'), '/api', true],
      ['pathPrefix with a trailing slash', StringMatch.pathPrefix('/api'), '/api/', true],
      ['pathPrefix below', StringMatch.pathPrefix('/api'), '/api/v1/users', true],
      ['pathPrefix is not a character prefix', StringMatch.pathPrefix('/api'), '/apix', false],
      ['pathPrefix written with a trailing slash matches the bare path', StringMatch.pathPrefix('/api/'), '/api', true],
      ['pathPrefix is case-sensitive', StringMatch.pathPrefix('/api'), '/API', false],
      ['pathPrefix of a shorter path', StringMatch.pathPrefix('/api/v1'), '/api', false],
      ['pathPrefix / matches every path', StringMatch.pathPrefix('/'), '/anything', true],
      ['pathPrefix on an absent value', StringMatch.pathPrefix('/'), undefined, false],
    ])('%s', (_, match, input, expected) => {
      expect(match.matches(input)).toBe(expected);
    });

    test('a regex is compiled once and gives the same answer on reuse', () => {
      const m = StringMatch.regex('^[a-z]+$');
      expect([m.matches('abc'), m.matches('ABC'), m.matches('abc')]).toEqual([true, false, true]);
    });
  });

  test('accepts look-around and back-reference spellings inside character classes and escaped', () => {
    // GIVEN patterns whose "(?=", "(?<=" and "\\1" are literal characters, not Perl constructs
    // WHEN / THEN: they compile and match literally
    expect(StringMatch.regex('[(?=]+').matches('(?=')).toBe(true);
    expect(StringMatch.regex('\\(\\?<=x\\)').matches('(?<=x)')).toBe(true);
    expect(StringMatch.regex('[\\\\1]+').matches('\\1')).toBe(true);
    expect(StringMatch.regex('(?P<name>a)(?<other>b)').matches('ab')).toBe(true);
  });

  test('accepts a regex of exactly 1024 bytes', () => {
    expect(StringMatch.regex('a'.repeat(1024)).value).toHaveLength(1024);
    expect(StringMatch.regex('é'.repeat(512)).value).toHaveLength(512);
  });

  test('accepts RE2 syntax that JavaScript lacks or spells differently', () => {
    // GIVEN RE2-only syntax: POSIX classes, \z and (?i) flags
    // WHEN / THEN: no throw, and the RE2 meaning is used
    expect(StringMatch.regex('[[:digit:]]+').matches('123')).toBe(true);
    expect(StringMatch.regex('(?i)beta').matches('BETA')).toBe(true);
    expect(StringMatch.regex('beta\\z').matches('beta')).toBe(true);
  });

  describe('rejects bad input with the factory, prop, value and what is allowed', () => {
    test.each<[string, () => unknown, string]>([
      ['fails on an empty exact value', () => StringMatch.exact(''), 'StringMatch.exact: value must be a non-empty string, got ""'],
      ['fails on an empty prefix', () => StringMatch.prefix(''), 'StringMatch.prefix: value must be a non-empty string, got ""'],
      ['fails on an empty regex', () => StringMatch.regex(''), 'StringMatch.regex: value must be a non-empty string, got ""'],
      ['fails on an empty pathPrefix', () => StringMatch.pathPrefix(''), 'StringMatch.pathPrefix: value must be a non-empty string, got ""'],
      ...['api', '/a//b', '/a/../b', '/a/./b', '/a?x=1', '/a#x', '/a b'].map((v): [string, () => unknown, string] => [
        `fails on the pathPrefix ${v}, not an absolute normalized path`,
        () => StringMatch.pathPrefix(v),
        `StringMatch.pathPrefix: value must be an absolute, normalized path ('/' first; no '//', '.' or '..' segments, '?', '#', spaces or control characters), got ${JSON.stringify(v)}`,
      ]),
      ...(['header', 'queryParam', 'jwtClaim'] as const).map((f): [string, () => unknown, string] => [
        `fails on a pathPrefix in RequestMatch.${f}, which is not a path`,
        () => (RequestMatch as any)[f]('x', StringMatch.pathPrefix('/api')),
        `RequestMatch.${f}: match must not be StringMatch.pathPrefix(), which matches paths only (use it with RequestMatch.uri()), got pathPrefix "/api"`,
      ]),
      [
        'fails on a non-string exact value',
        () => StringMatch.exact(undefined as any),
        'StringMatch.exact: value must be a non-empty string, got undefined',
      ],
      ['fails on a null prefix', () => StringMatch.prefix(null as any), 'StringMatch.prefix: value must be a non-empty string, got null'],
      ['fails on an undefined regex', () => StringMatch.regex(undefined as any), 'StringMatch.regex: value must be a non-empty string, got undefined'],
      ['fails on a numeric regex', () => StringMatch.regex(42 as any), 'StringMatch.regex: value must be a non-empty string, got 42'],
      ['fails on a numeric exact value', () => StringMatch.exact(7 as any), 'StringMatch.exact: value must be a non-empty string, got 7'],
      [
        'fails on a look-behind, saying it is one (re2js alone says "invalid named capture")',
        () => StringMatch.regex('(?<=x)abc'),
        `StringMatch.regex: ${RE2_RULE} "(?<=x)abc": "(?<=" at offset 0 starts a look-behind, which RE2 (Envoy's engine) does not support; `
          + 'match the preceding text as part of the pattern',
      ],
      [
        'fails on a negative look-behind, saying it is one',
        () => StringMatch.regex('(?<!a)b'),
        `StringMatch.regex: ${RE2_RULE} "(?<!a)b": "(?<!" at offset 0 starts a negative look-behind, which RE2 (Envoy's engine) does not support`,
      ],
      [
        'fails on a look-ahead, saying it is one',
        () => StringMatch.regex('beta(?=x)'),
        `StringMatch.regex: ${RE2_RULE} "beta(?=x)": "(?=" at offset 4 starts a look-ahead, which RE2 (Envoy's engine) does not support; `
          + 'match the following text as part of the pattern',
      ],
      [
        'fails on a negative look-ahead, saying it is one and what to use instead',
        () => StringMatch.regex('^(?!admin).*$'),
        `StringMatch.regex: ${RE2_RULE} "^(?!admin).*$": "(?!" at offset 1 starts a negative look-ahead, which RE2 (Envoy's engine) does not support; `
          + 'list the allowed values, or use RequestMatch.withoutHeader() for "does not match" (Istio only)',
      ],
      [
        'fails on a back-reference, saying it is one',
        () => StringMatch.regex('(a)\\1'),
        `StringMatch.regex: ${RE2_RULE} "(a)\\\\1": "\\\\1" at offset 3 is a back-reference, which RE2 (Envoy's engine) does not support; `
          + 'repeat the text, or list the alternatives',
      ],
      [
        'fails on a named back-reference, saying it is one',
        () => StringMatch.regex('(?<n>a)\\k<n>'),
        `StringMatch.regex: ${RE2_RULE} "(?<n>a)\\\\k<n>": "\\\\k<" at offset 7 starts a named back-reference, which RE2 (Envoy's engine) does not support`,
      ],
      [
        'fails on an atomic group, saying it is one',
        () => StringMatch.regex('(?>ab)c'),
        `StringMatch.regex: ${RE2_RULE} "(?>ab)c": "(?>" at offset 0 starts an atomic group, which RE2 (Envoy's engine) does not support`,
      ],
      [
        'fails on a possessive quantifier, saying it is one',
        () => StringMatch.regex('a++b'),
        `StringMatch.regex: ${RE2_RULE} "a++b": "++" at offset 1 is a possessive quantifier, which RE2 (Envoy's engine) does not support; use "+"`,
      ],
      [
        'fails on an unclosed character class',
        () => StringMatch.regex('[a'),
        `StringMatch.regex: ${RE2_RULE} "[a": error parsing regexp: missing closing ]: \`[a\``,
      ],
      [
        'fails on a regex over 1024 characters',
        () => StringMatch.regex('a'.repeat(1025)),
        'StringMatch.regex: pattern must be at most 1024 bytes (Istio\'s limit), got 1025 bytes',
      ],
      [
        'fails on a regex of 513 characters but 1026 UTF-8 bytes (Istio counts bytes)',
        () => StringMatch.regex('é'.repeat(513)),
        'StringMatch.regex: pattern must be at most 1024 bytes (Istio\'s limit), got 1026 bytes',
      ],
    ])('%s', (_, make, message) => {
      expect(make).toThrow(message);
    });
  });
});

describe('RequestMatch', () => {
  describe('factories', () => {
    test.each<[string, RequestMatch, MatchCondition]>([
      [
        'header exact, name lower-cased',
        RequestMatch.header('End-User', StringMatch.exact('jason')),
        cond(MatchField.HEADER, 'end-user', StringMatchType.EXACT, 'jason', 'header end-user exact "jason"'),
      ],
      [
        'header prefix',
        RequestMatch.header('X-Region', StringMatch.prefix('eu-')),
        cond(MatchField.HEADER, 'x-region', StringMatchType.PREFIX, 'eu-', 'header x-region prefix "eu-"'),
      ],
      [
        'header regex',
        RequestMatch.header('x-build', StringMatch.regex('^[0-9]+$')),
        cond(MatchField.HEADER, 'x-build', StringMatchType.REGEX, '^[0-9]+$', 'header x-build regex "^[0-9]+$"'),
      ],
      [
        'header with every token character',
        RequestMatch.header('X-A!#$%&\'*+-.^_`|~9', StringMatch.exact('1')),
        cond(MatchField.HEADER, 'x-a!#$%&\'*+-.^_`|~9', StringMatchType.EXACT, '1', 'header x-a!#$%&\'*+-.^_`|~9 exact "1"'),
      ],
      [
        'headerPresent, name lower-cased',
        RequestMatch.headerPresent('X-Debug'),
        cond(MatchField.HEADER, 'x-debug', StringMatchType.PRESENT, '', 'header x-debug present'),
      ],
      [
        'withoutHeader without a match: the header is absent',
        RequestMatch.withoutHeader('X-Legacy'),
        cond(MatchField.WITHOUT_HEADER, 'x-legacy', StringMatchType.PRESENT, '', 'header x-legacy absent'),
      ],
      [
        'withoutHeader with a match: the header does not match',
        RequestMatch.withoutHeader('X-Env', StringMatch.prefix('prod')),
        cond(MatchField.WITHOUT_HEADER, 'x-env', StringMatchType.PREFIX, 'prod', 'header x-env not prefix "prod"'),
      ],
      [
        'cookie: an anchored regex on the cookie header',
        RequestMatch.cookie('beta', 'true'),
        cond(MatchField.HEADER, 'cookie', StringMatchType.REGEX, '^(.*;[ \\t]*)?beta=true([ \\t]*;.*)?$', 'cookie beta=true'),
      ],
      [
        'cookie: metacharacters of name and value escaped',
        RequestMatch.cookie('a.b', 'v1.0+(x)'),
        cond(MatchField.HEADER, 'cookie', StringMatchType.REGEX, '^(.*;[ \\t]*)?a\\.b=v1\\.0\\+\\(x\\)([ \\t]*;.*)?$', 'cookie a.b=v1.0+(x)'),
      ],
      [
        'uri prefix',
        RequestMatch.uri(StringMatch.prefix('/preview')),
        cond(MatchField.URI, undefined, StringMatchType.PREFIX, '/preview', 'uri prefix "/preview"'),
      ],
      [
        'uri exact',
        RequestMatch.uri(StringMatch.exact('/login')),
        cond(MatchField.URI, undefined, StringMatchType.EXACT, '/login', 'uri exact "/login"'),
      ],
      [
        'uri regex',
        RequestMatch.uri(StringMatch.regex('^/api/v[23]/.*$')),
        cond(MatchField.URI, undefined, StringMatchType.REGEX, '^/api/v[23]/.*$', 'uri regex "^/api/v[23]/.*$"'),
      ],
      [
        'queryParam exact, name case kept',
        RequestMatch.queryParam('Beta', StringMatch.exact('1')),
        cond(MatchField.QUERY_PARAM, 'Beta', StringMatchType.EXACT, '1', 'query Beta exact "1"'),
      ],
      [
        'queryParam regex',
        RequestMatch.queryParam('variant', StringMatch.regex('^[ab]$')),
        cond(MatchField.QUERY_PARAM, 'variant', StringMatchType.REGEX, '^[ab]$', 'query variant regex "^[ab]$"'),
      ],
      [
        'method',
        RequestMatch.method('POST'),
        cond(MatchField.METHOD, undefined, StringMatchType.EXACT, 'POST', 'method POST'),
      ],
      [
        'clientOs: a regex on the user-agent header',
        RequestMatch.clientOs(ClientOs.MACOS),
        cond(MatchField.HEADER, 'user-agent', StringMatchType.REGEX, '^.*\\(Macintosh;[^)]*Mac OS X[^)]*\\).*$', 'client OS macos'),
      ],
      [
        'jwtClaim: Istio\'s @request.auth.claims header',
        RequestMatch.jwtClaim('groups', StringMatch.exact('beta')),
        cond(MatchField.HEADER, '@request.auth.claims.groups', StringMatchType.EXACT, 'beta', 'JWT claim groups exact "beta"'),
      ],
      [
        'jwtClaim: nested claim, case kept',
        RequestMatch.jwtClaim('realm_access.Roles', StringMatch.prefix('beta-')),
        cond(
          MatchField.HEADER, '@request.auth.claims.realm_access.Roles', StringMatchType.PREFIX, 'beta-',
          'JWT claim realm_access.Roles prefix "beta-"',
        ),
      ],
      [
        'sourceLabel',
        RequestMatch.sourceLabel('app', 'productpage'),
        cond(MatchField.SOURCE_LABEL, 'app', StringMatchType.EXACT, 'productpage', 'source label app=productpage'),
      ],
    ])('%s', (_, match, expected) => {
      expect(match.conditions).toEqual([expected]);
      expect(match.toString()).toBe(expected.description);
    });

    test.each(Object.values(ClientOs))('clientOs %s renders a valid RE2 regex on user-agent', (os) => {
      const c = only(RequestMatch.clientOs(os));
      expect(c.field).toBe(MatchField.HEADER);
      expect(c.name).toBe('user-agent');
      expect(c.match.type).toBe(StringMatchType.REGEX);
      expect(() => StringMatch.regex(c.match.value)).not.toThrow();
      expect(c.description).toBe(`client OS ${os}`);
    });

    test('all() ANDs the conditions of its matches, in order', () => {
      // GIVEN
      const macos = RequestMatch.clientOs(ClientOs.MACOS);
      const preview = RequestMatch.uri(StringMatch.prefix('/preview'));
      const tester = RequestMatch.all(RequestMatch.headerPresent('x-tester'), RequestMatch.method('GET'));
      // WHEN
      const m = RequestMatch.all(macos, preview, tester);
      // THEN
      expect(m.conditions).toEqual([...macos.conditions, ...preview.conditions, ...tester.conditions]);
      expect(m.toString()).toBe('client OS macos and uri prefix "/preview" and header x-tester present and method GET');
    });

    test('all() of one match has the same conditions as the match', () => {
      const m = RequestMatch.cookie('beta', 'true');
      expect(RequestMatch.all(m).conditions).toEqual(m.conditions);
      expect(RequestMatch.all(m).key).toBe(m.key);
    });

    test('all() allows a header and a withoutHeaders entry with the same name, and several names', () => {
      const m = RequestMatch.all(
        RequestMatch.header('x-env', StringMatch.prefix('prod')),
        RequestMatch.withoutHeader('x-env', StringMatch.exact('prod-eu')),
        RequestMatch.header('x-a', StringMatch.exact('1')),
        RequestMatch.queryParam('a', StringMatch.exact('1')),
        RequestMatch.queryParam('b', StringMatch.exact('2')),
        RequestMatch.sourceLabel('app', 'web'),
        RequestMatch.sourceLabel('version', 'v1'),
      );
      expect(m.conditions).toHaveLength(7);
    });

    test('accepts every HTTP method', () => {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']) {
        expect(only(RequestMatch.method(method)).match.value).toBe(method);
      }
    });

    test('accepts a cookie with an empty value (RFC 6265 allows it)', () => {
      const m = only(RequestMatch.cookie('beta', '')).match;
      expect(m.matches('beta=')).toBe(true);
      expect(m.matches('a=1; beta=; b=2')).toBe(true);
      expect(m.matches('beta=x')).toBe(false);
    });
  });

  describe('requiresGateway', () => {
    test.each<[string, RequestMatch, boolean]>([
      ['a JWT claim', RequestMatch.jwtClaim('groups', StringMatch.exact('beta')), true],
      [
        'a JWT claim ANDed with a header',
        RequestMatch.all(RequestMatch.header('x-a', StringMatch.exact('1')), RequestMatch.jwtClaim('sub', StringMatch.exact('u1'))),
        true,
      ],
      ['a header', RequestMatch.header('x-a', StringMatch.exact('1')), false],
      ['a header named like a claim without the @', RequestMatch.header('request.auth.claims.groups', StringMatch.exact('beta')), false],
      ['a cookie', RequestMatch.cookie('beta', 'true'), false],
      ['a client OS', RequestMatch.clientOs(ClientOs.IOS), false],
      ['a URI', RequestMatch.uri(StringMatch.prefix('/')), false],
      ['a method', RequestMatch.method('GET'), false],
      ['a query parameter', RequestMatch.queryParam('q', StringMatch.exact('1')), false],
      ['a source label', RequestMatch.sourceLabel('app', 'web'), false],
      ['an absent header', RequestMatch.withoutHeader('x-a'), false],
    ])('%s: %s', (_, match, expected) => {
      expect(match.requiresGateway).toBe(expected);
    });
  });

  describe('key', () => {
    test('is equal for the same conditions in any order', () => {
      const a = RequestMatch.header('x-a', StringMatch.exact('1'));
      const b = RequestMatch.uri(StringMatch.prefix('/p'));
      const c = RequestMatch.method('GET');
      expect(RequestMatch.all(a, b, c).key).toBe(RequestMatch.all(c, a, b).key);
      expect(RequestMatch.all(a, b, c).key).toBe(RequestMatch.all(b, RequestMatch.all(c, a)).key);
    });

    test('is equal for equal matches built twice, and for header names differing only in case', () => {
      expect(RequestMatch.cookie('beta', 'true').key).toBe(RequestMatch.cookie('beta', 'true').key);
      expect(RequestMatch.header('X-A', StringMatch.exact('1')).key).toBe(RequestMatch.header('x-a', StringMatch.exact('1')).key);
    });

    test.each<[string, RequestMatch, RequestMatch]>([
      ['values', RequestMatch.header('x-a', StringMatch.exact('1')), RequestMatch.header('x-a', StringMatch.exact('2'))],
      ['match types', RequestMatch.header('x-a', StringMatch.exact('1')), RequestMatch.header('x-a', StringMatch.prefix('1'))],
      ['names', RequestMatch.header('x-a', StringMatch.exact('1')), RequestMatch.header('x-b', StringMatch.exact('1'))],
      ['fields', RequestMatch.header('x-a', StringMatch.exact('1')), RequestMatch.withoutHeader('x-a', StringMatch.exact('1'))],
      ['header and query parameter', RequestMatch.header('a', StringMatch.exact('1')), RequestMatch.queryParam('a', StringMatch.exact('1'))],
      ['present and absent', RequestMatch.headerPresent('x-a'), RequestMatch.withoutHeader('x-a')],
      ['a subset of conditions', RequestMatch.method('GET'), RequestMatch.all(RequestMatch.method('GET'), RequestMatch.uri(StringMatch.prefix('/')))],
      ['case of values', RequestMatch.header('x-a', StringMatch.exact('a')), RequestMatch.header('x-a', StringMatch.exact('A'))],
    ])('differs for different %s', (_, a, b) => {
      expect(a.key).not.toBe(b.key);
    });

    // Header names (HTTP tokens) and values may contain any separator, so the key must not be a plain join.
    test('differs when values contain the key\'s separators', () => {
      const one = RequestMatch.header('a', StringMatch.regex('1&header|b|exact|2'));
      const two = RequestMatch.all(RequestMatch.header('a', StringMatch.regex('1')), RequestMatch.header('b', StringMatch.exact('2')));
      expect(one.key).not.toBe(two.key);
    });
  });

  describe('cookie matches the cookie only as a whole cookie', () => {
    const beta = only(RequestMatch.cookie('beta', 'true')).match;
    test.each<[string, boolean]>([
      ['beta=true', true],
      ['a=1; beta=true', true],
      ['beta=true; a=1', true],
      ['a=1;beta=true;b=2', true],
      ['a=1; beta=true; b=2', true],
      ['a=1;\tbeta=true', true],
      ['beta=false; beta=true', true],
      ['xbeta=true', false],
      ['beta=truex', false],
      ['beta=true2', false],
      ['a=beta=true', false],
      ['beta=false', false],
      ['beta=True', false],
      ['Beta=true', false],
      ['beta = true', false],
      ['a=1; xbeta=true; b=2', false],
      ['a=1; beta=truex; b=2', false],
      ['', false],
    ])('cookie header %j: %s', (header, expected) => {
      expect(beta.matches(header)).toBe(expected);
    });

    test('an absent cookie header does not match', () => {
      expect(beta.matches(undefined)).toBe(false);
    });

    test.each<[string, string, string, boolean]>([
      ['v', '1.0', 'v=1.0', true],
      ['v', '1.0', 'v=1x0', false],
      ['v', '1.0', 'a=1; v=1x0', false],
      ['v', '(1+1)*2', 'v=(1+1)*2', true],
      ['v', '(1+1)*2', 'v=11112', false],
      ['v', 'a|b', 'v=a|b', true],
      ['v', 'a|b', 'v=a', false],
      ['v', 'a|b', 'b', false],
      ['v', '^x$', 'v=^x$', true],
      ['v', '^x$', 'v=x', false],
      ['v', '[ab]{2}?', 'v=[ab]{2}?', true],
      ['v', '[ab]{2}?', 'v=ab', false],
      ['a.b', '1', 'a.b=1', true],
      ['a.b', '1', 'axb=1', false],
      ['a*', '1', 'a*=1', true],
      ['a*', '1', 'aaa=1', false],
      ['a*', '1', '=1', false],
      ['x$', '1', 'x$=1', true],
    ])('cookie %s=%s against header %j: %s', (name, value, header, expected) => {
      expect(only(RequestMatch.cookie(name, value)).match.matches(header)).toBe(expected);
    });
  });

  describe('clientOs matches real user agents of its own OS and no other', () => {
    const USER_AGENTS: Array<[ClientOs | undefined, string, string]> = [
      // Windows
      [
        ClientOs.WINDOWS,
        'Windows 10/11 Chrome',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      ],
      [
        ClientOs.WINDOWS, 'Windows 10/11 Edge',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
      ],
      [ClientOs.WINDOWS, 'Windows 10/11 Firefox', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0'],
      [
        ClientOs.WINDOWS,
        'Windows 7 Chrome',
        'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
      ],
      [ClientOs.WINDOWS, 'Windows 10 Internet Explorer 11', 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko'],
      [ClientOs.WINDOWS, 'Windows 8.1 Firefox 32-bit', 'Mozilla/5.0 (Windows NT 6.3; rv:78.0) Gecko/20100101 Firefox/78.0'],
      // macOS
      [
        ClientOs.MACOS, 'macOS Safari',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
      ],
      [
        ClientOs.MACOS,
        'macOS Chrome',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      ],
      [ClientOs.MACOS, 'macOS Firefox', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0'],
      [
        ClientOs.MACOS, 'macOS Edge',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
      ],
      [
        ClientOs.MACOS, 'macOS High Sierra Safari',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Safari/605.1.15',
      ],
      // Desktop Linux
      [ClientOs.LINUX, 'Ubuntu Firefox', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'],
      [ClientOs.LINUX, 'Fedora Firefox', 'Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'],
      [ClientOs.LINUX, 'Linux Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'],
      [ClientOs.LINUX, 'Linux Firefox ESR', 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0'],
      [ClientOs.LINUX, 'Linux 32-bit Firefox', 'Mozilla/5.0 (X11; Linux i686; rv:102.0) Gecko/20100101 Firefox/102.0'],
      [
        ClientOs.LINUX, 'Ubuntu Chromium (older)',
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/79.0.3945.79 Chrome/79.0.3945.79 Safari/537.36',
      ],
      // Android
      [
        ClientOs.ANDROID,
        'Android Chrome',
        'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
      ],
      [
        ClientOs.ANDROID, 'Samsung Internet',
        'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
      ],
      [ClientOs.ANDROID, 'Firefox for Android', 'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0'],
      [
        ClientOs.ANDROID,
        'Android tablet Chrome',
        'Mozilla/5.0 (Linux; Android 9; SM-T820) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      ],
      [
        ClientOs.ANDROID, 'Android 4 stock browser',
        'Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebkit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30',
      ],
      // iOS
      [
        ClientOs.IOS, 'iPhone Safari',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
      ],
      [
        ClientOs.IOS, 'iPhone Chrome (CriOS)',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
          + 'CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
      ],
      [
        ClientOs.IOS, 'iPhone Firefox (FxiOS)',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
      ],
      [
        ClientOs.IOS, 'iPad Safari (mobile site)',
        'Mozilla/5.0 (iPad; CPU OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1',
      ],
      [
        ClientOs.IOS, 'iPod touch Safari',
        'Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
          + 'Version/12.1.2 Mobile/15E148 Safari/604.1',
      ],
      [
        ClientOs.IOS, 'iPhone iOS 9 Safari',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1',
      ],
      // None of the cohorts
      [undefined, 'ChromeOS', 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'],
      [
        undefined,
        'ChromeOS on ARM',
        'Mozilla/5.0 (X11; CrOS aarch64 15633.69.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.212 Safari/537.36',
      ],
      [undefined, 'curl', 'curl/8.5.0'],
      [undefined, 'Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
      [undefined, 'python-requests', 'python-requests/2.31.0'],
      [undefined, 'empty', ''],
    ];

    for (const os of Object.values(ClientOs)) {
      test(`the table has at least 4 ${os} user agents`, () => {
        expect(USER_AGENTS.filter(([o]) => o === os).length).toBeGreaterThanOrEqual(4);
      });
    }

    const regexes = Object.values(ClientOs).map(os => [os, only(RequestMatch.clientOs(os)).match] as const);

    test.each(USER_AGENTS)('%s: %s', (os, _, ua) => {
      // THEN: the full cross matrix, one row per user agent: exactly its own OS matches (none for the negatives)
      const matching = regexes.filter(([, m]) => m.matches(ua)).map(([o]) => o);
      expect(matching).toEqual(os ? [os] : []);
    });

    test('an absent user-agent header matches no OS', () => {
      for (const [, m] of regexes) expect(m.matches(undefined)).toBe(false);
    });

    test('iPadOS 13+ Safari asking for the desktop site is macOS, as documented', () => {
      const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
      expect(regexes.filter(([, m]) => m.matches(ua)).map(([o]) => o)).toEqual([ClientOs.MACOS]);
    });
  });

  describe('clientBrowser matches real user agents of its own browser and no other', () => {
    for (const browser of Object.values(ClientBrowser)) {
      test(`the table has at least 4 ${browser} user agents`, () => {
        expect(BROWSER_USER_AGENTS.filter(([b]) => b === browser).length).toBeGreaterThanOrEqual(4);
      });
    }

    const regexes = Object.values(ClientBrowser).map(b => [b, only(RequestMatch.clientBrowser(b)).match] as const);

    test.each(BROWSER_USER_AGENTS)('%s: %s', (browser, _, ua) => {
      // THEN: the full cross matrix, one row per user agent: exactly its own browser matches (none for the negatives)
      const matching = regexes.filter(([, m]) => m.matches(ua)).map(([b]) => b);
      expect(matching).toEqual(browser ? [browser] : []);
    });

    test.each(Object.values(ClientBrowser))('clientBrowser %s is an anchored RE2 regex on user-agent, like clientOs', (browser) => {
      const c = only(RequestMatch.clientBrowser(browser));
      expect([c.field, c.name, c.match.type, c.description]).toEqual([MatchField.HEADER, 'user-agent', StringMatchType.REGEX, `client browser ${browser}`]);
      expect(c.match.value).toMatch(/^\^.*\$$/);
    });

    test('an absent user-agent header matches no browser', () => {
      for (const [, m] of regexes) expect(m.matches(undefined)).toBe(false);
    });

    test('a browser and an OS cannot be ANDed in one match (both are user-agent conditions)', () => {
      expect(() => RequestMatch.all(RequestMatch.clientBrowser(ClientBrowser.SAFARI), RequestMatch.clientOs(ClientOs.IOS))).toThrow(
        'RequestMatch.all: cannot AND "client browser safari" and "client OS ios": Istio allows one condition per header "user-agent" in a match',
      );
    });
  });

  describe('rejects bad input with the factory, prop, value and what is allowed', () => {
    const COOKIE_NAME_RULE = 'name must be a cookie name (an HTTP token: letters, digits and !#$%&\'*+-.^_`|~), got';
    const COOKIE_VALUE_RULE = 'value must be a cookie value (printable ASCII without space, \'"\', \',\', \';\' or \'\\\'), got';
    const METHODS = 'GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH';
    const CLAIM_RULE = 'claim must be a claim name, nested names separated by \'.\', got';
    const x = StringMatch.exact('x');
    test.each<[string, () => unknown, string]>([
      ['fails on an empty header name', () => RequestMatch.header('', x), `RequestMatch.header: ${HEADER_NAME_RULE} ""`],
      ['fails on a header name with a space', () => RequestMatch.header('X User', x), `RequestMatch.header: ${HEADER_NAME_RULE} "X User"`],
      ['fails on a header name with a colon', () => RequestMatch.header('x-user:', x), `RequestMatch.header: ${HEADER_NAME_RULE} "x-user:"`],
      ['fails on a pseudo-header name', () => RequestMatch.header(':authority', x), `RequestMatch.header: ${HEADER_NAME_RULE} ":authority"`],
      ['fails on a header name with a non-ASCII letter', () => RequestMatch.header('x-ü', x), `RequestMatch.header: ${HEADER_NAME_RULE} "x-ü"`],
      ['fails on a bad headerPresent name', () => RequestMatch.headerPresent('x debug'), `RequestMatch.headerPresent: ${HEADER_NAME_RULE} "x debug"`],
      [
        'fails on a bad withoutHeader name',
        () => RequestMatch.withoutHeader('x:legacy'),
        `RequestMatch.withoutHeader: ${HEADER_NAME_RULE} "x:legacy"`,
      ],
      [
        'fails on an empty withoutHeader name with a match',
        () => RequestMatch.withoutHeader('', x),
        `RequestMatch.withoutHeader: ${HEADER_NAME_RULE} ""`,
      ],
      ['fails on an empty cookie name', () => RequestMatch.cookie('', 'true'), `RequestMatch.cookie: ${COOKIE_NAME_RULE} ""`],
      ['fails on a cookie name with a space', () => RequestMatch.cookie('be ta', 'true'), `RequestMatch.cookie: ${COOKIE_NAME_RULE} "be ta"`],
      ['fails on a cookie name with =', () => RequestMatch.cookie('a=b', 'true'), `RequestMatch.cookie: ${COOKIE_NAME_RULE} "a=b"`],
      ['fails on a cookie name with ;', () => RequestMatch.cookie('a;b', 'true'), `RequestMatch.cookie: ${COOKIE_NAME_RULE} "a;b"`],
      ['fails on a cookie value with a space', () => RequestMatch.cookie('beta', 'a b'), `RequestMatch.cookie: ${COOKIE_VALUE_RULE} "a b"`],
      ['fails on a cookie value with ;', () => RequestMatch.cookie('beta', 'a;b'), `RequestMatch.cookie: ${COOKIE_VALUE_RULE} "a;b"`],
      ['fails on a cookie value with ,', () => RequestMatch.cookie('beta', 'a,b'), `RequestMatch.cookie: ${COOKIE_VALUE_RULE} "a,b"`],
      [
        'fails on a cookie value with a double quote',
        () => RequestMatch.cookie('beta', '"a"'),
        `RequestMatch.cookie: ${COOKIE_VALUE_RULE} "\\"a\\""`,
      ],
      ['fails on a cookie value with a backslash', () => RequestMatch.cookie('beta', 'a\\b'), `RequestMatch.cookie: ${COOKIE_VALUE_RULE} "a\\\\b"`],
      ['fails on a cookie value with a non-ASCII letter', () => RequestMatch.cookie('beta', 'ü'), `RequestMatch.cookie: ${COOKIE_VALUE_RULE} "ü"`],
      [
        'fails on a non-string cookie value',
        () => RequestMatch.cookie('beta', undefined as any),
        `RequestMatch.cookie: ${COOKIE_VALUE_RULE} undefined`,
      ],
      [
        'fails on a uri without a StringMatch',
        () => RequestMatch.uri('/preview' as any),
        'RequestMatch.uri: match must be a StringMatch, got "/preview"',
      ],
      ['fails on an empty queryParam name', () => RequestMatch.queryParam('', x), 'RequestMatch.queryParam: name must be a non-empty string, got ""'],
      [
        'fails on a prefix match on a queryParam',
        () => RequestMatch.queryParam('beta', StringMatch.prefix('1')),
        'RequestMatch.queryParam: match must be StringMatch.exact() or StringMatch.regex() (Istio has no prefix match '
          + 'on query parameters), got prefix "1"',
      ],
      ['fails on a lower-case method', () => RequestMatch.method('get'), `RequestMatch.method: method must be one of ${METHODS}, got "get"`],
      ['fails on an unknown method', () => RequestMatch.method('FETCH'), `RequestMatch.method: method must be one of ${METHODS}, got "FETCH"`],
      ['fails on an empty method', () => RequestMatch.method(''), `RequestMatch.method: method must be one of ${METHODS}, got ""`],
      [
        'fails on an unknown client OS',
        () => RequestMatch.clientOs('beos' as ClientOs),
        'RequestMatch.clientOs: os must be one of windows, macos, linux, android, ios, got "beos"',
      ],
      [
        'fails on an unknown client browser',
        () => RequestMatch.clientBrowser('netscape' as ClientBrowser),
        'RequestMatch.clientBrowser: browser must be one of chrome, firefox, safari, edge, opera, samsung-internet, got "netscape"',
      ],
      // From JavaScript, arguments can be missing or of another type: our message, not a TypeError.
      [
        'fails on a header without a StringMatch (undefined from JavaScript)',
        () => RequestMatch.header('end-user', undefined as any),
        'RequestMatch.header: match must be a StringMatch, got undefined',
      ],
      ['fails on a header with a string for a StringMatch', () => RequestMatch.header('end-user', 'jason' as any), 'RequestMatch.header: match must be a StringMatch, got "jason"'],
      ['fails on a header with a null StringMatch', () => RequestMatch.header('end-user', null as any), 'RequestMatch.header: match must be a StringMatch, got null'],
      ['fails on an undefined header name', () => RequestMatch.header(undefined as any, x), `RequestMatch.header: ${HEADER_NAME_RULE} undefined`],
      ['fails on a numeric header name', () => RequestMatch.header(42 as any, x), `RequestMatch.header: ${HEADER_NAME_RULE} 42`],
      ['fails on an undefined headerPresent name', () => RequestMatch.headerPresent(undefined as any), `RequestMatch.headerPresent: ${HEADER_NAME_RULE} undefined`],
      [
        'fails on a withoutHeader with a non-StringMatch',
        () => RequestMatch.withoutHeader('x-a', { exact: '1' } as any),
        'RequestMatch.withoutHeader: match must be a StringMatch, got {"exact":"1"}',
      ],
      ['fails on a null withoutHeader name', () => RequestMatch.withoutHeader(null as any), `RequestMatch.withoutHeader: ${HEADER_NAME_RULE} null`],
      ['fails on an undefined cookie name', () => RequestMatch.cookie(undefined as any, 'true'), `RequestMatch.cookie: ${COOKIE_NAME_RULE} undefined`],
      ['fails on a numeric cookie value', () => RequestMatch.cookie('beta', 1 as any), `RequestMatch.cookie: ${COOKIE_VALUE_RULE} 1`],
      ['fails on a uri without a match', () => RequestMatch.uri(undefined as any), 'RequestMatch.uri: match must be a StringMatch, got undefined'],
      ['fails on a queryParam without a match', () => RequestMatch.queryParam('q', undefined as any), 'RequestMatch.queryParam: match must be a StringMatch, got undefined'],
      ['fails on an undefined queryParam name', () => RequestMatch.queryParam(undefined as any, x), 'RequestMatch.queryParam: name must be a non-empty string, got undefined'],
      ['fails on an undefined method', () => RequestMatch.method(undefined as any), `RequestMatch.method: method must be one of ${METHODS}, got undefined`],
      ['fails on an undefined client OS', () => RequestMatch.clientOs(undefined as any), 'RequestMatch.clientOs: os must be one of windows, macos, linux, android, ios, got undefined'],
      [
        'fails on a client OS named like an object property',
        () => RequestMatch.clientOs('toString' as any),
        'RequestMatch.clientOs: os must be one of windows, macos, linux, android, ios, got "toString"',
      ],
      [
        'fails on an undefined client browser',
        () => RequestMatch.clientBrowser(undefined as any),
        'RequestMatch.clientBrowser: browser must be one of chrome, firefox, safari, edge, opera, samsung-internet, got undefined',
      ],
      ['fails on a JWT claim without a match', () => RequestMatch.jwtClaim('groups', undefined as any), 'RequestMatch.jwtClaim: match must be a StringMatch, got undefined'],
      ['fails on an undefined JWT claim', () => RequestMatch.jwtClaim(undefined as any, x), `RequestMatch.jwtClaim: ${CLAIM_RULE} undefined`],
      ['fails on an undefined source label name', () => RequestMatch.sourceLabel(undefined as any, 'web'), 'RequestMatch.sourceLabel: name must be a non-empty string, got undefined'],
      ['fails on a numeric source label value', () => RequestMatch.sourceLabel('app', 1 as any), 'RequestMatch.sourceLabel: value must be a non-empty string, got 1'],
      ['fails on all() with an undefined match', () => RequestMatch.all(RequestMatch.method('GET'), undefined as any), 'RequestMatch.all: matches[1] must be a RequestMatch, got undefined'],
      ['fails on all() with a StringMatch', () => RequestMatch.all(x as any), 'RequestMatch.all: matches[0] must be a RequestMatch, got {"type":"exact","value":"x"}'],
      ['fails on an empty JWT claim', () => RequestMatch.jwtClaim('', x), `RequestMatch.jwtClaim: ${CLAIM_RULE} ""`],
      ['fails on a JWT claim with an empty nested name', () => RequestMatch.jwtClaim('a..b', x), `RequestMatch.jwtClaim: ${CLAIM_RULE} "a..b"`],
      ['fails on a JWT claim starting with a dot', () => RequestMatch.jwtClaim('.groups', x), `RequestMatch.jwtClaim: ${CLAIM_RULE} ".groups"`],
      ['fails on a JWT claim ending with a dot', () => RequestMatch.jwtClaim('groups.', x), `RequestMatch.jwtClaim: ${CLAIM_RULE} "groups."`],
      ['fails on a JWT claim with a space', () => RequestMatch.jwtClaim('my groups', x), `RequestMatch.jwtClaim: ${CLAIM_RULE} "my groups"`],
      [
        'fails on a JWT claim given as a URL',
        () => RequestMatch.jwtClaim('https://example.com/groups', x),
        `RequestMatch.jwtClaim: ${CLAIM_RULE} "https://example.com/groups"`,
      ],
      [
        'fails on a JWT claim without a StringMatch',
        () => RequestMatch.jwtClaim('groups', 'beta' as any),
        'RequestMatch.jwtClaim: match must be a StringMatch, got "beta"',
      ],
      [
        'fails on an empty source label name',
        () => RequestMatch.sourceLabel('', 'web'),
        'RequestMatch.sourceLabel: name must be a non-empty string, got ""',
      ],
      [
        'fails on an empty source label value',
        () => RequestMatch.sourceLabel('app', ''),
        'RequestMatch.sourceLabel: value must be a non-empty string, got ""',
      ],
      ['fails on all() with no matches', () => RequestMatch.all(), 'RequestMatch.all: needs at least one match, got none'],
      [
        'fails on all() with two conditions on the same header',
        () => RequestMatch.all(RequestMatch.header('X-A', StringMatch.exact('1')), RequestMatch.header('x-a', StringMatch.prefix('2'))),
        'RequestMatch.all: cannot AND "header x-a exact "1"" and "header x-a prefix "2"": Istio allows one condition per header "x-a" in a match; '
          + 'use two routes or one regex',
      ],
      [
        'fails on all() with a header value and its presence',
        () => RequestMatch.all(RequestMatch.headerPresent('x-a'), RequestMatch.header('x-a', StringMatch.exact('1'))),
        'RequestMatch.all: cannot AND "header x-a present" and "header x-a exact "1"": Istio allows one condition per header "x-a" in a match',
      ],
      [
        'fails on all() with two cookies (both match the cookie header)',
        () => RequestMatch.all(RequestMatch.cookie('a', '1'), RequestMatch.cookie('b', '2')),
        'RequestMatch.all: cannot AND "cookie a=1" and "cookie b=2": Istio allows one condition per header "cookie" in '
          + 'a match; use two routes or one regex',
      ],
      [
        'fails on all() with a client OS and a user-agent header',
        () => RequestMatch.all(RequestMatch.clientOs(ClientOs.IOS), RequestMatch.header('User-Agent', StringMatch.prefix('Mozilla'))),
        'RequestMatch.all: cannot AND "client OS ios" and "header user-agent prefix "Mozilla"": Istio allows one '
          + 'condition per header "user-agent" in a match',
      ],
      [
        'fails on all() with two conditions on the URI',
        () => RequestMatch.all(RequestMatch.uri(StringMatch.prefix('/a')), RequestMatch.uri(StringMatch.prefix('/b'))),
        'RequestMatch.all: cannot AND "uri prefix "/a"" and "uri prefix "/b"": Istio allows one condition per URI in a '
          + 'match; use two routes or one regex',
      ],
      [
        'fails on all() with two methods',
        () => RequestMatch.all(RequestMatch.method('GET'), RequestMatch.method('HEAD')),
        'RequestMatch.all: cannot AND "method GET" and "method HEAD": Istio allows one condition per method in a match; use two routes or one regex',
      ],
      [
        'fails on all() with two conditions on the same query parameter',
        () => RequestMatch.all(RequestMatch.queryParam('q', StringMatch.exact('1')), RequestMatch.queryParam('q', StringMatch.exact('2'))),
        'RequestMatch.all: cannot AND "query q exact "1"" and "query q exact "2"": Istio allows one condition per query parameter "q" in a match',
      ],
      [
        'fails on all() with two conditions on the same source label',
        () => RequestMatch.all(RequestMatch.sourceLabel('app', 'a'), RequestMatch.sourceLabel('app', 'b')),
        'RequestMatch.all: cannot AND "source label app=a" and "source label app=b": Istio allows one condition per source label "app" in a match',
      ],
      [
        'fails on all() with two withoutHeaders entries for the same header',
        () => RequestMatch.all(RequestMatch.withoutHeader('x-a'), RequestMatch.withoutHeader('X-A', StringMatch.exact('1'))),
        'RequestMatch.all: cannot AND "header x-a absent" and "header x-a not exact "1"": Istio allows one condition '
          + 'per withoutHeaders entry "x-a" in a match',
      ],
      [
        'fails on all() nesting a clash inside another all()',
        () => RequestMatch.all(RequestMatch.method('GET'), RequestMatch.all(RequestMatch.uri(StringMatch.exact('/')), RequestMatch.method('POST'))),
        'RequestMatch.all: cannot AND "method GET" and "method POST"',
      ],
      [
        'fails on all() with two JWT conditions on the same claim',
        () => RequestMatch.all(RequestMatch.jwtClaim('groups', StringMatch.exact('a')), RequestMatch.jwtClaim('groups', StringMatch.exact('b'))),
        'RequestMatch.all: cannot AND "JWT claim groups exact "a"" and "JWT claim groups exact "b"": Istio allows one '
          + 'condition per header "@request.auth.claims.groups"',
      ],
    ])('%s', (_, make, message) => {
      expect(make).toThrow(message);
    });

    // Istio's webhook validates sourceLabels as Kubernetes labels (labels.Instance.Validate).
    test('fails on a source label value that is not a Kubernetes label value', () => {
      expect(() => RequestMatch.sourceLabel('app', 'product page')).toThrow('RequestMatch.sourceLabel: value must be a Kubernetes label value');
    });

    test('fails on a source label name that is not a Kubernetes label key', () => {
      expect(() => RequestMatch.sourceLabel('my app', 'web')).toThrow('RequestMatch.sourceLabel: name must be a Kubernetes label key');
    });
  });
});
