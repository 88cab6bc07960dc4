// The request target as routes read it: a path and a query (origin form), whatever form the client sent.

const SLASH = 47;
/** `http://host:port` at the start of an absolute-form target (RFC 9112: a server must accept one). */
const SCHEME_AND_HOST = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * `url` in origin form: an absolute-form target (`GET http://host/echo?x=1`, which a proxy sends)
 * loses its scheme and host, so that `request.path` is the path the router matched; several
 * leading slashes read as one, as Python's http.server does. Anything else (`*`) is left as it is.
 */
export function originForm(url: string): string {
  let target = url;
  if (target.charCodeAt(0) !== SLASH) {
    const absolute = SCHEME_AND_HOST.exec(target);
    if (absolute === null) return target;
    target = target.slice(absolute[0].length);
    if (target.charCodeAt(0) !== SLASH) target = `/${target}`;
  }
  return target.charCodeAt(1) === SLASH ? target.replace(/^\/+/, '/') : target;
}
