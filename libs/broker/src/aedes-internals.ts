import type { Aedes } from 'aedes';

/**
 * The messages held for a client id's session, queued or in flight until acknowledged, oldest
 * first. Aedes's types do not declare its persistence; `outgoingStream` is aedes-persistence's API.
 */
export function outgoing(aedes: Aedes, clientId: string): AsyncIterable<{ readonly brokerCounter: number }> {
  const persistence = (aedes as unknown as { persistence: { outgoingStream(client: { id: string }): AsyncIterable<{ readonly brokerCounter: number }> } }).persistence;
  return persistence.outgoingStream({ id: clientId });
}

/** The number Aedes gave the last message it began to publish: each gets the next (`brokerCounter`, aedes-packet). */
export function brokerPosition(aedes: Aedes): number {
  return (aedes as unknown as { counter: number }).counter;
}
