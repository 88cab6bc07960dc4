// Human forms of what the built-in actions answer.
import { formatDuration } from '../main/ops/units';
import { refusedWriteName } from '../main/transport/write-refusals';
import { fields, listOrDash, table, timeOrDash } from './output';
import type { Health, ReplicaInfo, ServiceInfo } from './queries';

export function describeInfo(info: ServiceInfo): string[] {
  const tasks = info.background.map(
    (task) =>
      // failures: undefined from a service of an older daebus
      `${task.name} (every ${task.intervalSeconds} s, ${task.runs} runs${task.failures ? `, ${task.failures} failed` : ''}` +
      `${task.paused ? ', paused' : ''}${task.busy ? ', running' : ''})`,
  );
  const pool = info.pool;
  return fields([
    ['service', `${info.service} (app "${info.app}")`],
    ['library', `${info.library.name} ${info.library.version} on Node ${info.node}`],
    ['process', `pid ${info.pid} on ${info.host}`],
    ['started', info.startedAt === null ? 'not started' : `${timeOrDash(info.startedAt)} (up ${formatDuration(info.uptimeMs)})`],
    ['transport', info.transport ?? '-'],
    ['actions', listOrDash(info.actions)],
    ['listeners', listOrDash(info.listeners)],
    ['threads', listOrDash(info.threads)],
    ['background', listOrDash(tasks)],
    [
      'pool',
      pool ? `${pool.threads}/${pool.maxWorkers} workers, ${pool.running} running, ${pool.queued} queued, ${pool.completed} done` : '-',
    ],
    ['replica', info.replica?.id ?? '-'],
    // undefined from a service of an older daebus
    [
      'http',
      info.http
        ? [info.http.url && `${info.http.url} (${info.http.routes} routes)`, info.http.websocketUrl].filter(Boolean).join(', ')
        : '-',
    ],
    ['admin', info.admin ? 'on' : 'off'],
  ]);
}

/** "ok, ready" (or "failing, NOT ready, still starting") with the transport, then what failed, stalled or restarts. */
export function describeHealth(health: Health): string[] {
  const transport = `${health.transport.description ?? 'transport'} ${health.transport.connected ? 'connected' : 'NOT connected'}`;
  const state = health.starting
    ? 'NOT ready, still starting'
    : health.stopping
      ? 'NOT ready, stopping'
      : health.ready
        ? 'ready'
        : 'NOT ready';
  const lines = [`${health.status}, ${state} (${transport})`];
  if (health.requests?.reading === false) lines.push(`request stream not read: ${health.requests.error ?? 'no reason given'}`);
  // a service of an older daebus has no `refused`
  for (const { what, error, count } of health.refused ?? [])
    lines.push(`Redis refuses ${refusedWriteName(what) ?? `its ${what}`} (${count} refused): ${error.replace(/\.$/, '')}`);
  if (health.threads.failed.length > 0) lines.push(`failed threads: ${health.threads.failed.join(', ')}`);
  if (health.threads.stalled.length > 0) lines.push(`stalled threads: ${health.threads.stalled.join(', ')}`);
  const restarting = health.threads.restarting ?? [];
  if (restarting.length > 0) lines.push(`restarting threads (crashed, in backoff): ${restarting.join(', ')}`);
  return lines;
}

export function describeReplicas(replicas: readonly ReplicaInfo[], now = Date.now()): string[] {
  if (replicas.length === 0) return ['no replicas: the service does not run replicated (or none is alive)'];
  return table(
    ['REPLICA', 'HOST', 'PID', 'UP', 'IN FLIGHT', 'LAST SEEN'],
    replicas.map((r) => [
      r.id,
      r.host,
      String(r.pid),
      formatDuration(Math.max(0, now - r.startedAt)),
      String(r.inFlight),
      `${formatDuration(Math.max(0, now - r.lastSeen))} ago`,
    ]),
  )
    .concat(
      replicas.filter((r) => r.leaving === true).map((r) => `  ${r.id} is stopping: it takes nothing new in, and drains what it runs`),
    )
    .concat(actionDifferences(replicas));
}

/** Which replica lacks which of the others' actions: while a rolling deploy runs old and new code side by side. */
function actionDifferences(replicas: readonly ReplicaInfo[]): string[] {
  const listing = replicas.filter((r): r is ReplicaInfo & { actions: string[] } => r.actions !== undefined);
  const every = [...new Set(listing.flatMap((r) => r.actions))];
  const lines: string[] = [];
  for (const r of listing) {
    const lacks = every.filter((action) => !r.actions.includes(action));
    if (lacks.length > 0) lines.push(`  ${r.id} lacks ${lacks.join(', ')}`);
  }
  return lines.length > 0 ? ['', 'the replicas differ in their actions (old and new code side by side?):', ...lines] : [];
}
