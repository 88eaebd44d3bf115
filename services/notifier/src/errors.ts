/** The routing/channel configuration is invalid; `issues` lists every problem found, by path. */
export class NotifierConfigError extends Error {
  constructor(
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`notifier config is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`, options);
    this.name = 'NotifierConfigError';
  }
}

/**
 * A webhook URL points somewhere the notifier must not call (plain http, loopback, private or
 * link-local addresses) — the guard against SSRF through configuration.
 */
export class UnsafeUrlError extends Error {
  readonly code = 'EUNSAFEURL';
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`refusing to call ${url}: ${reason} (set allowPrivateNetworks / allowHttp in the notifier config only for trusted test setups)`, options);
    this.name = 'UnsafeUrlError';
  }
}
