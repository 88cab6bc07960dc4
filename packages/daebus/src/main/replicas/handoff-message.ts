/**
 * What a message on a service's hand-off channel says. A leaving lease holder offers its lease
 * (`offer:<id>`); the replica that takes it over publishes its marker (`taken:<id>:<epoch>`) in
 * the same step as the take. Anything else is the id of a holder that released its lease: the
 * only message of earlier versions of this library, which take a released lease on any message.
 */
export type HandoffMessage = { kind: 'offer'; by: string } | { kind: 'taken'; by: string; epoch: string };

export function handoffMessage(message: string): HandoffMessage | undefined {
  if (message.startsWith('offer:')) return { kind: 'offer', by: message.slice(6) };
  if (!message.startsWith('taken:')) return undefined;
  const cut = message.lastIndexOf(':');
  return cut > 6 ? { kind: 'taken', by: message.slice(6, cut), epoch: message.slice(cut + 1) } : undefined;
}
