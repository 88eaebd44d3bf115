import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ID_PATTERN, SEVERITIES } from '@premonitor/contracts';
import { NotifierConfigError } from './errors.js';
import { DEFAULT_TEMPLATE, TEMPLATE_FIELDS, unknownPlaceholders } from './templates.js';
import { urlShapeProblem } from './url-guard.js';

const bucket = z.strictObject({ capacity: z.number().int().min(1), refillPerSecond: z.number().positive() });
const tuning = {
  /** Attempts before a delivery becomes a dead letter. */
  maxAttempts: z.number().int().min(1).max(100).optional(),
  /** Per-request timeout, ms. */
  timeoutMs: z.number().int().min(10).max(120_000).optional(),
  /** Requests in flight at once on the channel (a failing endpoint gets one at a time). */
  sendConcurrency: z.number().int().min(1).max(256).optional(),
  backoff: z.strictObject({ baseMs: z.number().int().min(1), maxMs: z.number().int().min(1) }).optional(),
  rateLimit: z.strictObject({ perChannel: bucket.optional(), perDevice: bucket.optional() }).optional(),
  /** More than `threshold` alerts within `windowMs` on one channel are sent as one digest. */
  digest: z.strictObject({ threshold: z.number().int().min(1), windowMs: z.number().int().min(1), maxItems: z.number().int().min(2).max(1000).optional() }).optional(),
  breaker: z
    .strictObject({
      errorThresholdPercentage: z.number().min(1).max(100).optional(),
      volumeThreshold: z.number().int().min(1).optional(),
      resetTimeoutMs: z.number().int().min(10).optional(),
      rollingWindowMs: z.number().int().min(100).optional(),
    })
    .optional(),
};
const base = { name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match [a-z0-9][a-z0-9_-]{0,63}'), url: z.string(), template: z.string().min(1).max(2000).optional(), ...tuning };
const channelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('discord'), ...base }),
  z.strictObject({ type: z.literal('slack'), ...base }),
  z.strictObject({ type: z.literal('webhook'), ...base, secret: z.string().min(16, 'must be at least 16 characters') }),
]);
const routeSchema = z.strictObject({
  severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
  sites: z.array(z.union([z.literal('*'), z.string().regex(ID_PATTERN, 'must be a site id or "*"')])).min(1).optional(),
  transitions: z.array(z.enum(['open', 'acknowledged', 'resolved'])).min(1).optional(),
  channels: z.array(z.string()).min(1),
});
const configSchema = z.strictObject({
  allowPrivateNetworks: z.boolean().default(false),
  allowHttp: z.boolean().default(false),
  defaults: z.strictObject(tuning).default({}),
  channels: z.array(channelSchema).min(1),
  routes: z.array(routeSchema).min(1),
});

/** The routing file as written: see `docs` in the package README for an example. */
export type RoutingFile = z.input<typeof configSchema>;

/** One destination with every tuning value resolved. */
export interface ChannelSettings {
  readonly name: string;
  readonly type: 'discord' | 'slack' | 'webhook';
  readonly url: string;
  /** HMAC secret (generic webhook only). */
  readonly secret?: string;
  readonly template: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  /** Most requests in flight at once; back to one after a failed attempt until one succeeds. */
  readonly sendConcurrency: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly rateLimit: {
    readonly perChannel: { readonly capacity: number; readonly refillPerSecond: number };
    readonly perDevice: { readonly capacity: number; readonly refillPerSecond: number };
  };
  readonly digest: { readonly threshold: number; readonly windowMs: number; readonly maxItems: number };
  readonly breaker: { readonly errorThresholdPercentage: number; readonly volumeThreshold: number; readonly resetTimeoutMs: number; readonly rollingWindowMs: number };
}

/** Which alert transitions go to which channels; an absent filter matches everything. */
export interface RouteSettings {
  readonly severities?: readonly string[];
  readonly sites?: readonly string[];
  readonly transitions?: readonly string[];
  readonly channels: readonly string[];
}

/** The validated, frozen routing configuration. */
export interface RoutingSettings {
  readonly allowPrivateNetworks: boolean;
  readonly allowHttp: boolean;
  readonly channels: readonly ChannelSettings[];
  readonly routes: readonly RouteSettings[];
}

export const CHANNEL_DEFAULTS = Object.freeze({
  maxAttempts: 8,
  timeoutMs: 5_000,
  sendConcurrency: 8,
  backoff: { baseMs: 1_000, maxMs: 5 * 60_000 },
  rateLimit: { perChannel: { capacity: 20, refillPerSecond: 5 }, perDevice: { capacity: 5, refillPerSecond: 0.2 } },
  digest: { threshold: 20, windowMs: 30_000, maxItems: 200 },
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 30_000, rollingWindowMs: 60_000 },
});

/**
 * Validates a parsed routing file. Every problem is collected and reported at once, by path
 * (`channels[1].url: must be an https URL …`), so a broken file is fixed in one pass.
 */
export function parseRoutingSettings(input: unknown): RoutingSettings {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new NotifierConfigError(parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`));
  }
  const file = parsed.data;
  const issues: string[] = [];
  const policy = { allowPrivateNetworks: file.allowPrivateNetworks, allowHttp: file.allowHttp };
  const names = new Set<string>();
  const channels = file.channels.map((c, i): ChannelSettings => {
    if (names.has(c.name)) issues.push(`channels[${i}].name: "${c.name}" is used twice`);
    names.add(c.name);
    const urlProblem = urlShapeProblem(c.url, policy);
    if (urlProblem) issues.push(`channels[${i}].url: ${urlProblem}`);
    const unknown = c.template ? unknownPlaceholders(c.template) : [];
    if (unknown.length > 0) issues.push(`channels[${i}].template: unknown placeholder(s) ${unknown.map((u) => `{{${u}}}`).join(', ')}; use ${TEMPLATE_FIELDS.join(', ')}`);
    const d = file.defaults;
    const backoff = { ...CHANNEL_DEFAULTS.backoff, ...d.backoff, ...c.backoff };
    if (backoff.maxMs < backoff.baseMs) issues.push(`channels[${i}].backoff: maxMs must be ≥ baseMs`);
    return {
      name: c.name,
      type: c.type,
      url: c.url,
      secret: c.type === 'webhook' ? c.secret : undefined,
      template: c.template ?? DEFAULT_TEMPLATE,
      maxAttempts: c.maxAttempts ?? d.maxAttempts ?? CHANNEL_DEFAULTS.maxAttempts,
      timeoutMs: c.timeoutMs ?? d.timeoutMs ?? CHANNEL_DEFAULTS.timeoutMs,
      sendConcurrency: c.sendConcurrency ?? d.sendConcurrency ?? CHANNEL_DEFAULTS.sendConcurrency,
      backoff,
      rateLimit: {
        perChannel: c.rateLimit?.perChannel ?? d.rateLimit?.perChannel ?? CHANNEL_DEFAULTS.rateLimit.perChannel,
        perDevice: c.rateLimit?.perDevice ?? d.rateLimit?.perDevice ?? CHANNEL_DEFAULTS.rateLimit.perDevice,
      },
      digest: { ...CHANNEL_DEFAULTS.digest, ...d.digest, ...c.digest },
      breaker: { ...CHANNEL_DEFAULTS.breaker, ...d.breaker, ...c.breaker },
    };
  });
  file.routes.forEach((r, i) => {
    r.channels.forEach((name, j) => {
      if (!names.has(name)) issues.push(`routes[${i}].channels[${j}]: no channel named "${name}" (known: ${[...names].join(', ')})`);
    });
  });
  if (issues.length > 0) throw new NotifierConfigError(issues);
  return deepFreeze({ ...policy, channels, routes: file.routes });
}

/** Reads and validates a JSON routing file. */
export async function loadRoutingSettings(path: string): Promise<RoutingSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NotifierConfigError([`${path}: cannot be read (${err instanceof Error ? err.message : String(err)})`], { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new NotifierConfigError([`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`], { cause: err });
  }
  return parseRoutingSettings(json);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
