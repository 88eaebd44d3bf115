/** Site and device identifiers: lowercase letters, digits and dashes, 1–64 characters. */
export const ID_PATTERN = /^[a-z0-9-]{1,64}$/;

/** True when `value` is a valid site or device identifier. */
export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Where a message came from, as the broker authorised it (never taken from the payload). */
export interface DeviceRef {
  readonly site: string;
  readonly device: string;
}

/** The key devices are stored under: `site/device`, unique across the platform. */
export function deviceKey(ref: DeviceRef): string {
  return `${ref.site}/${ref.device}`;
}

/** The ref of a {@link deviceKey}; undefined for a key that is not `site/device` with valid ids. */
export function parseDeviceKey(key: string): DeviceRef | undefined {
  const [site, device, ...rest] = key.split('/');
  return site !== undefined && device !== undefined && rest.length === 0 && isValidId(site) && isValidId(device) ? { site, device } : undefined;
}
