/**
 * What to check when Redis could not be reached, by what the connection failed with: a refused
 * password, a certificate, a plain connection to a port that speaks TLS, sentinels that did not
 * answer or know no such primary, or no server at all.
 */
export function connectHint(failure: string, where: { tls: boolean; sentinel: boolean }): string {
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(failure)) {
    const sentinel = where.sentinel ? " Through Sentinel, the sentinels' own password is the sentinelPassword option." : '';
    return `Check the password (redis://:password@host:port for the default user, redis://user:password@host:port for an ACL user, or the username and password options).${sentinel}`;
  }
  if (/certificate|self[- ]signed|SSL|TLS|handshake/i.test(failure)) {
    return 'Check the TLS settings: a private certificate authority goes in the ioredis options (redis: { host, port, tls: { ca } }); see the package\'s docs/operations.md, "Databases, TLS, sockets".';
  }
  // ioredis's "All sentinels are unreachable ... Last error: ..." names the sentinel's failure, not the primary's
  if (where.sentinel && /sentinel/i.test(failure)) {
    return /No such master/i.test(failure)
      ? 'Check the name option: it must be the name the sentinels monitor the primary under (SENTINEL MASTERS lists them).'
      : 'Check that the sentinels listen at those addresses (sentinels: [{ host, port }], port 26379 unless configured).';
  }
  if (!where.tls && /ECONNRESET|EPIPE|Connection is closed/i.test(failure)) {
    // Redis at its maxclients limit answers "-ERR max number of clients reached" and closes: ioredis says only this
    return 'Redis closed the connection at once: it may be at its maxclients limit (redis-cli INFO clients), or, if that port serves TLS, use rediss:// (or the tls option).';
  }
  if (/EMFILE|ENFILE/.test(failure))
    return 'This process has no file descriptor free (ulimit -n): raise the limit, or close what holds them.';
  return where.sentinel
    ? 'Check that the primary the sentinels name is up (SENTINEL get-master-addr-by-name <name>).'
    : 'Is redis-server running there? Set REDIS_URL or the redis option to where it runs.';
}

/**
 * ioredis's failure, as it may be shown: through Sentinel, its "All sentinels are unreachable and
 * retry is disabled" also covers sentinels that answered without the primary, and the user
 * disabled no retry (the transport does not retry a first connect).
 */
export function shownFailure(failure: string): string {
  const sentinels = /^All sentinels are unreachable and retry is disabled\.?(?: Last error: (.*))?$/s.exec(failure);
  if (!sentinels) return failure;
  return sentinels[1] === undefined
    ? "no sentinel gave the primary's address"
    : `no sentinel gave the primary's address (the last error: ${sentinels[1]})`;
}
