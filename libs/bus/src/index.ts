export {
  DEFAULT_STREAM_LIMITS,
  type Bus,
  type BusMessage,
  type ConsumerLag,
  type ConsumerSpec,
  type MessageHandler,
  type PublishOptions,
  type PublishResult,
  type StreamLimits,
  type Subscription,
} from './bus.js';
export { CONSUMER_DEFAULTS } from './consumer-defaults.js';
export {
  BusError,
  BusConnectionError,
  BusNotStartedError,
  BusOperationError,
  InvalidConsumerSpecError,
  InvalidFilterError,
  InvalidSubjectError,
  MessageTooLargeError,
  NoStreamForSubjectError,
  UnknownStreamError,
} from './errors.js';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { subjectMatches } from './subject-match.js';
export {
  decodeEvent,
  encodeEvent,
  eventSubject,
  publishEvent,
  type DecodedEvent,
  type SubjectArgs,
} from './typed-events.js';
// NatsJetStreamBus lives at '@premonitor/bus/nats', so embedded mode never loads the NATS client.
