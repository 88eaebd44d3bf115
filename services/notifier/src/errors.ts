import { urlOrigin } from '@premonitor/log';

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
 * link-local addresses) — the guard against SSRF through configuration. The message and the
 * error's fields carry only the URL's scheme and host: a Slack or Discord webhook URL holds its
 * token in the path, so the whole URL is a secret.
 */
export class UnsafeUrlError extends Error {
  readonly code = 'EUNSAFEURL';
  /** `https://host[:port]` of the refused URL. */
  readonly origin: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    const origin = url.includes('/') ? urlOrigin(url) : url;
    super(`refusing to call ${origin}: ${reason} (set allowPrivateNetworks / allowHttp in the notifier config only for trusted test setups)`, options);
    this.name = 'UnsafeUrlError';
    this.origin = origin;
  }
}
