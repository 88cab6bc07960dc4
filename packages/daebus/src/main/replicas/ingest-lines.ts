/** What the ingest leader says when pub/sub requests of `service` were not added to the request stream, and why ('taken' or 'lost'). */
export function notAddedLine(service: string, why: string, count: number): string {
  return why === 'lost'
    ? `Did not add ${count} pub/sub request(s) of "${service}" received after Redis lost the lease with its data: ` +
        'another replica took the lease first, and runs those published after it subscribed; those before reached no replica'
    : `Did not add ${count} pub/sub request(s) of "${service}" received after the lease went to another replica: ` +
        'the new holder runs those published after it subscribed; any published before (while Redis paused, or this process stalled) ' +
        'reached no replica, and their callers get no answer';
}

/** What the ingest leader says when its lease became another's while it held it (not at a stop: that hands it over). */
export function leaseLostLine(service: string, why: 'taken' | 'lost'): string {
  const how =
    why === 'taken'
      ? 'another replica took it: this process stalled, or Redis did not answer its renewals in time, paused or overloaded'
      : 'Redis lost it with its data, restarted without persistence or flushed, and another replica took it first';
  return (
    `Lost the lease on the pub/sub channel of "${service}" (${how}). What this replica received from the channel ` +
    'and had not added is not added now: the new holder takes what reaches it, the rest is lost (requests over pub/sub are at-most-once)'
  );
}

/** What a replica says when its take-over of a lease failed because the holder let go of it first (this replica was busy). */
export function handOffMissedLine(service: string, count: number): string {
  return (
    `Took ${count} pub/sub request(s) of "${service}" from the channel while taking its lease over from a replica that stopped, and added ` +
    'none: that replica let go of the lease first (this one was busy past the hand-off, two heartbeats), so those it had not added ' +
    'before it left were lost (requests over pub/sub are at-most-once)'
  );
}
