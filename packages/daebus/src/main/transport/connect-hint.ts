/**
 * What to check when Redis could not be reached, by what the connection failed with: a refused
 * password, a certificate, a plain connection to a port that speaks TLS, or no server at all.
 */
export function connectHint(failure: string, tls: boolean): string {
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(failure)) {
    return 'Check the password (redis://:password@host:port for the default user, redis://user:password@host:port for an ACL user, or the username and password options).';
  }
  if (/certificate|self[- ]signed|SSL|TLS|handshake/i.test(failure)) {
    return 'Check the TLS settings: a private certificate authority goes in the ioredis options (redis: { host, port, tls: { ca } }); see the package\'s docs/operations.md, "Databases, TLS, sockets".';
  }
  if (!tls && /ECONNRESET|Connection is closed/i.test(failure)) {
    return 'Redis closed the connection at once: if that port serves TLS, use rediss:// (or the tls option).';
  }
  return 'Is redis-server running there? Set REDIS_URL or the redis option to where it runs.';
}
