// ingress-nginx's annotation names and the values its validation accepts (internal): shared by the
// renderer, the reader and validate, in a module of their own so that reading loads no renderer.
export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';
/**
 * The values ingress-nginx's annotation validation accepts (parser/validators.go): a name of
 * canary-by-header or canary-by-cookie; canary-by-header-value (after removing spaces); a
 * canary-by-header-pattern. A value it rejects is ignored, as if unset.
 */
export const NGINX_NAME = /^[-._~a-zA-Z0-9]+$/;
export const NGINX_BASIC_CHARS = /^[-._~a-zA-Z0-9/:]*$/;
export const NGINX_REGEX_CHARS = /^[-._~a-zA-Z0-9/:^$[\](){}*+?|&=\\]*$/;
