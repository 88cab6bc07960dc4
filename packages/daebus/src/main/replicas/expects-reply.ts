/**
 * Whether a message from the service channel waits for a reply: it names a reply channel or a
 * request id (Python's send_request sets both, its send_to_service neither). The messages that
 * mention neither are told apart without parsing them.
 */
export function expectsReply(raw: string): boolean {
  if (!raw.includes('"reply_to"') && !raw.includes('"request_id"')) return false;
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return true; // answered with an error at once, when it can be: a deadline changes nothing
  }
  if (message === null || typeof message !== 'object') return false;
  const { reply_to: replyTo, request_id: requestId } = message as Record<string, unknown>;
  return (replyTo !== undefined && replyTo !== null) || (requestId !== undefined && requestId !== null);
}
