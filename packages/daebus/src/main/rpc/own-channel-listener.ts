/**
 * What is said of a listener registered on the service's own channel: the messages there are
 * requests for its actions (answered by the dispatcher, or taken into the replicas' stream), so
 * the listener would never be called; without this line it was accepted and silently never ran.
 */
export function ownChannelListenerLine(service: string): string {
  return (
    `The listener on "${service}" is never called: that is this service's own channel, whose messages are requests ` +
    'for its actions. Register an action for them, or listen on another channel (app.broadcast sends to any channel).'
  );
}
