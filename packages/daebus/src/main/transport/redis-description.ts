import type { RedisOptions } from 'ioredis';

/**
 * Where a connection goes, for log lines and errors: its URL with its database when not 0 (keys
 * of replicas and shared state live there, channels do not), its socket's path, or, through
 * Sentinel, the primary's name and the sentinels asked for it (ioredis fills in host and port
 * with its defaults then: every line named localhost:6379).
 */
export function describeConnection(options: RedisOptions): string {
  const { host, port, path, tls, db, sentinels, name } = options;
  const database = db ? ` (database ${db})` : '';
  if (sentinels && sentinels.length > 0) {
    const via = sentinels.map((s) => `${s.host ?? '127.0.0.1'}:${s.port ?? 26379}`).join(',');
    return `primary "${name ?? 'mymaster'}" via Sentinel ${via}${database}`;
  }
  if (path) return `unix:${path}${database}`;
  return `${tls ? 'rediss' : 'redis'}://${host ?? '127.0.0.1'}:${port ?? 6379}${db ? `/${db}` : ''}`;
}
