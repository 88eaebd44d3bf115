import type { Logger } from '@premonitor/log';
import type { EdgeAlertMessage } from '@premonitor/contracts';

/** `discord`: `{content}` as a Discord webhook expects; `json`: the alert with site and device. */
export type WebhookFormat = 'discord' | 'json';

/** Options of {@link WebhookNotifier}. */
export interface WebhookNotifierOptions {
  readonly url: string;
  readonly format: WebhookFormat;
  readonly site: string;
  readonly device: string;
  /** Per request, ms. Default 5 000. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * Sends a local alert straight to a webhook while the core is unreachable. One attempt per
 * alert: the alert is also in the local log and in the disk queue for the core, so a
 * webhook that is down too loses nothing; it only loses its immediacy.
 */
export class WebhookNotifier {
  readonly #o: WebhookNotifierOptions;
  #sent = 0;
  #failed = 0;
  #lastError: string | undefined;

  constructor(options: WebhookNotifierOptions) {
    this.#o = options;
  }

  /** Posts the alert; resolves true on a 2xx answer, false otherwise (never throws). */
  async send(alert: EdgeAlertMessage): Promise<boolean> {
    const { site, device, format } = this.#o;
    const body =
      format === 'discord'
        ? { content: `**${alert.severity}** ${site}/${device}: ${alert.message ?? alert.rule}${alert.score !== undefined ? ` (score ${alert.score.toFixed(2)})` : ''} — raised on the edge, core unreachable` }
        : { source: 'edge', site, device, ...alert };
    try {
      const res = await (this.#o.fetch ?? fetch)(this.#o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 5_000),
      });
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.#sent++;
      return true;
    } catch (err) {
      this.#failed++;
      this.#lastError = (err as Error).message;
      this.#o.logger.warn({ err: this.#lastError }, 'webhook unreachable; the alert stays in the local log and the queue');
      return false;
    }
  }

  stats(): { sent: number; failed: number; lastError?: string } {
    return { sent: this.#sent, failed: this.#failed, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }
}
