import { Counter, Gauge, type Registry } from 'prom-client';
import type { BrokerMetrics } from '@premonitor/broker';

/**
 * The embedded broker's counters on the platform's `/metrics`. No username becomes a label:
 * one series per device would grow without bound; the broker's log names the account.
 */
export function brokerPrometheusMetrics(registry: Registry): BrokerMetrics {
  const registers = [registry];
  const clients = new Gauge({ name: 'pm_broker_clients_connected', help: 'MQTT clients connected to the embedded broker', registers });
  const authFailures = new Counter({ name: 'pm_broker_auth_failures_total', help: 'MQTT logins refused for a wrong password or an unknown username', registers });
  const throttled = new Counter({ name: 'pm_broker_auth_throttled_total', help: 'MQTT logins refused unchecked during a lockout after repeated failures, by locked key', labelNames: ['key'], registers });
  const connectRefused = new Counter({ name: 'pm_broker_connect_refused_total', help: 'MQTT CONNECTs refused, by reason', labelNames: ['reason'], registers });
  const packetRefused = new Counter({ name: 'pm_broker_packets_refused_total', help: 'MQTT connections cut for a packet above its size limit (or an impossible length)', labelNames: ['reason'], registers });
  const publishRefused = new Counter({ name: 'pm_broker_publish_refused_total', help: 'MQTT PUBLISHes outside the sender ACL, dropped', registers });
  const retainRefused = new Counter({ name: 'pm_broker_retain_refused_total', help: 'Retained PUBLISHes delivered without retain (topic not allowed to retain, or too large)', registers });
  const subscribeRefused = new Counter({ name: 'pm_broker_subscribe_refused_total', help: 'MQTT SUBSCRIBE filters outside the ACL, refused', registers });
  const loginsHeld = new Counter({ name: 'pm_broker_logins_held_total', help: 'Device logins held until the platform admits devices (starting, or draining on shutdown)', registers });
  const forwardRefused = new Counter({ name: 'pm_broker_forward_refused_total', help: 'Messages not delivered to a client without read access (live, retained or queued)', registers });
  const journalBytes = new Gauge({ name: 'pm_broker_journal_bytes', help: 'Bytes of device messages the broker journal holds on disk until ingest has stored them', registers });
  const journalRefused = new Counter({ name: 'pm_broker_journal_refused_total', help: 'Device messages refused (not acknowledged; the device sends them again) because the broker journal was full or could not be written', registers });
  const journalReplayed = new Counter({ name: 'pm_broker_journal_replayed_total', help: 'Device messages the broker journal kept through a crash and published again at start', registers });
  return {
    journalBytes: (bytes) => journalBytes.set(bytes),
    journalFull: () => journalRefused.inc(),
    journalReplayed: (n) => journalReplayed.inc(n),
    clientConnected: (n) => clients.set(n),
    clientDisconnected: (n) => clients.set(n),
    connectRefused: (reason) => {
      connectRefused.inc({ reason });
      if (reason === 'credentials') authFailures.inc();
    },
    loginThrottled: (key) => throttled.inc({ key }),
    loginHeld: () => loginsHeld.inc(),
    packetRefused: (reason) => packetRefused.inc({ reason }),
    publishRefused: () => publishRefused.inc(),
    retainRefused: () => retainRefused.inc(),
    subscribeRefused: () => subscribeRefused.inc(),
    forwardRefused: () => forwardRefused.inc(),
  };
}
