export { Notifier, type NotifierSettings, type NotifierDependencies } from './notifier.js';
export {
  parseRoutingSettings,
  loadRoutingSettings,
  CHANNEL_DEFAULTS,
  type RoutingFile,
  type RoutingSettings,
  type ChannelSettings,
  type RouteSettings,
} from './notifier-settings.js';
export { notifierConfigShape, type NotifierConfig } from './notifier-config.js';
export { verifySignature, signPayload, TIMESTAMP_HEADER, SIGNATURE_HEADER, IDEMPOTENCY_HEADER } from './signature.js';
export { assertPublicUrl, urlShapeProblem, type NetworkPolicy, type ResolveAll } from './url-guard.js';
export { isNonPublicAddress, nonPublicReason } from './non-public-address.js';
export { NotifierConfigError, UnsafeUrlError } from './errors.js';
export { TokenBucket, type BucketLimits } from './token-bucket.js';
export { parseRetryAfter } from './retry-after.js';
export { channelsFor } from './route-alert.js';
export { formatAlert, formatDigest } from './channel-format.js';
export { renderTemplate, TEMPLATE_FIELDS, DEFAULT_TEMPLATE } from './templates.js';
export type { DeliveryStore, OutboxItem, AttemptRecord, DeadLetterView } from './delivery-store.js';
export { notifierModule } from './module.js';
