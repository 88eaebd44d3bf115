import { MAX_FRAME_BYTES } from '@premonitor/contracts';

/** Size limits of the embedded broker, in bytes of the whole MQTT packet unless said otherwise. */
export interface BrokerLimits {
  /** The first packet of a connection (CONNECT: credentials and will), checked before login. */
  readonly connectPacketBytes: number;
  /** Any packet from a device. */
  readonly devicePacketBytes: number;
  /** Any packet from a core service. */
  readonly servicePacketBytes: number;
  /** A retained payload a device leaves on its status topic. */
  readonly deviceRetainedBytes: number;
  /** A retained payload a core service leaves (model announcements). */
  readonly serviceRetainedBytes: number;
}

/**
 * Devices: the largest frame (4 s of 48 kHz audio, ~384 KB) plus topic and header fits in
 * 1 MiB, the same `max_packet_size` as mosquitto/mosquitto.conf. Core services send model
 * announcements and commands of a few hundred bytes; 256 KiB is generous and still stops a
 * leaked core credential from pushing megabytes to every device. A status or announcement
 * is well under 16 KiB.
 */
export const DEFAULT_BROKER_LIMITS: BrokerLimits = Object.freeze({
  connectPacketBytes: 64 * 1024,
  devicePacketBytes: 1024 * 1024,
  servicePacketBytes: 256 * 1024,
  deviceRetainedBytes: 16 * 1024,
  serviceRetainedBytes: 16 * 1024,
});

// Keeps the default honest if the frame limits grow: a maximal frame must fit with room for the topic.
if (MAX_FRAME_BYTES + 1024 > DEFAULT_BROKER_LIMITS.devicePacketBytes) throw new Error('DEFAULT_BROKER_LIMITS.devicePacketBytes is below the largest frame');
