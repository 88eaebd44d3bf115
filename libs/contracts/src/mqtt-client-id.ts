import { deviceKey, isValidId, type DeviceRef } from './ids.js';

/**
 * Client ids the brokers accept, bound to the login so no client can take over another's
 * session (and with it the messages queued for it).
 *
 * - A device's client id is its username `{site}/{device}`: Mosquitto's device listeners
 *   replace whatever a device sends (`use_username_as_clientid`) and the embedded broker
 *   does the same, so a device can only ever resume or replace its own session.
 * - A core service's client id is `premonitor-{account}`, or `premonitor-{account}.{replica}`
 *   for one replica of a scaled service (each ingest replica keeps its own persistent
 *   session behind a shared subscription). Account and replica are `[a-z0-9-]{1,64}`; the
 *   `.` cannot occur in an account name, so `premonitor-ingest.x` is unambiguously the
 *   account `ingest`. No core id contains `/`, so none can equal a device's.
 */
export const CORE_CLIENT_ID_PREFIX = 'premonitor-';

/** The client id a device connects with: its username `{site}/{device}`. */
export function deviceClientId(ref: DeviceRef): string {
  return deviceKey(ref);
}

/** The client id of a core service account, optionally for one replica (`replica` e.g. the pod name). */
export function coreClientId(account: string, replica?: string): string {
  if (!isValidId(account)) throw new RangeError(`core account names must match [a-z0-9-]{1,64}; got '${account}'`);
  if (replica !== undefined && !isValidId(replica)) throw new RangeError(`replica names must match [a-z0-9-]{1,64}; got '${replica}'`);
  return `${CORE_CLIENT_ID_PREFIX}${account}${replica === undefined ? '' : `.${replica}`}`;
}

/** The account (and replica) a core client id names, or null when `clientId` is not one. */
export function parseCoreClientId(clientId: string): { readonly account: string; readonly replica?: string } | null {
  if (!clientId.startsWith(CORE_CLIENT_ID_PREFIX)) return null;
  const rest = clientId.slice(CORE_CLIENT_ID_PREFIX.length);
  const dot = rest.indexOf('.');
  const account = dot < 0 ? rest : rest.slice(0, dot);
  const replica = dot < 0 ? undefined : rest.slice(dot + 1);
  if (!isValidId(account) || (replica !== undefined && !isValidId(replica))) return null;
  return replica === undefined ? { account } : { account, replica };
}
