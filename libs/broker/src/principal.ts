import { isValidId, type DeviceRef } from '@premonitor/contracts';

/**
 * Roles a service account can hold, each with the least it needs (see `service-grants.ts`):
 * `ingest` reads what devices publish; `model-sync` announces models and sends commands;
 * `fusion` publishes each device's retained alert state.
 */
export const SERVICE_ROLES = ['ingest', 'model-sync', 'fusion'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/**
 * The all-powerful role of earlier versions (everything under `premonitor/v1/`). Files that
 * still hold it load, but such an account can no longer log in: re-add it with a role.
 */
export const RETIRED_CORE_ROLE = 'core';

/** Who an authenticated MQTT connection is. The identity is the username; the client id is derived from it. */
export type Principal =
  | { readonly kind: 'device'; readonly username: string; readonly ref: DeviceRef }
  | { readonly kind: 'service'; readonly username: string; readonly role: ServiceRole };

/**
 * The MQTT username of a device: `{site}/{device}`, the same string as `deviceKey()`.
 * Mosquitto substitutes it whole into `pattern` ACL rules (`premonitor/v1/%u/telemetry`),
 * where it fills exactly the two topic levels that belong to the device, so one ACL file
 * serves every device and a device config works against Mosquitto and Aedes alike.
 */
export function deviceUsername(ref: DeviceRef): string {
  return `${ref.site}/${ref.device}`;
}

/** The device a username names, or null when it is not `{site}/{device}` with valid ids. */
export function parseDeviceUsername(username: string): DeviceRef | null {
  const parts = username.split('/');
  if (parts.length !== 2) return null;
  const [site, device] = parts as [string, string];
  return isValidId(site) && isValidId(device) ? { site, device } : null;
}

/**
 * True for a valid service-account username: an id without `/`, so it can never be
 * mistaken for a device and never fills a device's topic levels in a Mosquitto pattern.
 */
export function isValidServiceUsername(username: string): boolean {
  return isValidId(username);
}

/** True when `role` is a known service role. */
export function isServiceRole(role: string): role is ServiceRole {
  return (SERVICE_ROLES as readonly string[]).includes(role);
}
