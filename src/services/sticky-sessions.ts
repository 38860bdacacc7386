import { Duration } from 'cdk8s';

/**
 * Sticky canary sessions: a user who reached a version keeps reaching it.
 *
 * A request without the cookie is split by the weight; the version it reaches answers with
 * `Set-Cookie: <cookieName>=<version>` (added by the route, not by the application), and a
 * rule placed before the weighted one sends requests carrying that cookie to that version.
 * The weight is then the share of *new sessions*, not of requests. While the release is not
 * running (weight 0, an abort) or has taken all the traffic (weight 100, a promotion), no
 * cookie rule is rendered: cookies naming a version that receives no weighted traffic are
 * ignored.
 *
 * Clients can set the cookie themselves and so choose the canary: do not rely on it for
 * anything but convenience.
 *
 * @see https://docs.flagger.app/usage/deployment-strategies#canary-release-with-session-affinity
 */
export interface StickySessions {
  /**
   * The cookie's name: an RFC 6265 token (letters, digits and ``!#$%&'*+-.^_`|~``), at most
   * 256 characters, not starting with `__Secure-` or `__Host-` (browsers accept those only
   * with the `Secure` attribute, which a cookie also set over plain HTTP cannot have).
   * @default - `canary-<serviceName>`
   */
  readonly cookieName?: string;

  /**
   * Whether the users sent to the stable version are pinned too. With it (the default), each
   * new session is placed once and stays, so the weight is the share of sessions that reach
   * the canary. Without it (Flagger's session affinity), a request of a user on the stable
   * version carries no cookie and is split again, so over many requests nearly every user ends
   * on the canary and the weight stops meaning anything (the drift Flagger users report).
   * @default true
   * @see https://github.com/fluxcd/flagger/issues/1532
   */
  readonly stable?: boolean;

  /**
   * How long the cookie lives, in whole seconds from 1 second to 400 days (RFC 6265bis'
   * cap). After it the user's next request is a new session.
   * @default - a session cookie: it ends when the browser closes
   */
  readonly maxAge?: Duration;
}
