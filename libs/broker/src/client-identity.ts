import { deviceClientId, parseCoreClientId } from '@premonitor/contracts';
import type { Principal } from './principal.js';

/** The client id a login is given, or why the one it asked for is refused. */
export type ClientIdDecision = { readonly ok: true; readonly clientId: string } | { readonly ok: false; readonly reason: string };

/**
 * Binds the client id to the login, so no client can resume or take over another's
 * session. A device gets its username whatever it asked for — the rule Mosquitto applies
 * with `use_username_as_clientid`, so a device config behaves the same on both brokers.
 * A core service must ask for `premonitor-{username}` or `premonitor-{username}.{replica}`.
 */
export function bindClientId(principal: Principal, requested: string): ClientIdDecision {
  if (principal.kind === 'device') return { ok: true, clientId: deviceClientId(principal.ref) };
  if (parseCoreClientId(requested)?.account === principal.username) return { ok: true, clientId: requested };
  return { ok: false, reason: `a core account's client id must be premonitor-${principal.username} or premonitor-${principal.username}.{replica}` };
}
