import { deviceKey, type DeviceRef } from '@premonitor/contracts';

/**
 * The partition (0 … count − 1) a device belongs to when fusion replicas share the work:
 * FNV-1a (32 bit) of `site/device`, so every replica, whatever its version of Node, puts a
 * device in the same partition, and one device's events always go to one replica.
 */
export function devicePartition(ref: DeviceRef, count: number): number {
  const key = deviceKey(ref);
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
