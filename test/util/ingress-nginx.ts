// ingress-nginx's annotation validation (internal/ingress/annotations/parser/validators.go and
// each annotation's declared validator, ingress-nginx v1.12+ where it is on by default), for the
// annotations we render: a value the controller rejects is ignored as if unset, so rendering one
// is a silent loss of routing. Applied to every Ingress the tests validate; an
// `nginx.ingress.kubernetes.io/` annotation we do not know fails.
const ALNUM = '-._~a-zA-Z0-9/:';
const BASIC = new RegExp(`^[${ALNUM}]*$`);
const REGEX = /^[-._~a-zA-Z0-9/:^$[\](){}*+?|&=\\]*$/;
const URL_WITH_VARIABLES = /^[-._~a-zA-Z0-9/:, ,:?&=$]*$/;

const noSpaces = (re: RegExp) => (v: string) => re.test(v.replace(/ /g, '')) && !/[\r\n]/.test(v);

const VALIDATORS: Record<string, [string, (v: string) => boolean]> = {
  'canary': ['a bool (strconv.ParseBool)', v => ['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)],
  'canary-weight': ['an integer (strconv.Atoi)', v => /^[+-]?\d+$/.test(v)],
  'canary-weight-total': ['an integer (strconv.Atoi)', v => /^[+-]?\d+$/.test(v)],
  'canary-by-header': ['BasicChars (letters, digits, -._~/:)', noSpaces(BASIC)],
  'canary-by-header-value': ['BasicChars (letters, digits, -._~/:)', noSpaces(BASIC)],
  'canary-by-header-pattern': ['IsValidRegex characters', v => REGEX.test(v) && !/[\r\n]/.test(v)],
  'canary-by-cookie': ['BasicChars (letters, digits, -._~/:)', noSpaces(BASIC)],
  'mirror-target': ['a URL with nginx variables', noSpaces(URL_WITH_VARIABLES)],
};

/** Errors for the ingress-nginx annotations of an Ingress. */
export function validateNginxAnnotations(o: any, errors: string[]): void {
  for (const [k, v] of Object.entries<any>(o.metadata?.annotations ?? {})) {
    if (!k.startsWith('nginx.ingress.kubernetes.io/')) continue;
    const name = k.slice('nginx.ingress.kubernetes.io/'.length);
    const validator = VALIDATORS[name];
    if (!validator) errors.push(`metadata.annotations[${k}]: not an annotation this library renders`);
    else if (typeof v !== 'string' || !validator[1](v)) errors.push(`metadata.annotations[${k}]: Invalid value: ${JSON.stringify(v)}: ingress-nginx ignores it unless it is ${validator[0]}`);
  }
}
