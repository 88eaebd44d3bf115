import { Router } from 'express';
import { z } from 'zod';
import { validateInput } from '@premonitor/http';
import type { ChannelSettings, RouteSettings } from '../notifier-settings.js';

/** `GET /notifications/channels` takes no query. */
export const channelListQuery = z.strictObject({});

/** What the console shows of a channel: never its URL (a Slack/Discord URL is its credential) nor its secret. */
export interface ChannelView {
  readonly name: string;
  readonly type: ChannelSettings['type'];
  /** The endpoint's host (and port): enough to tell endpoints apart, nothing to post with. */
  readonly host: string;
  /** This replica's breaker for the endpoint (each replica keeps its own). */
  readonly breaker: 'open' | 'halfOpen' | 'closed';
  readonly maxAttempts: number;
  /** The routes that send to this channel (absent filter: everything). */
  readonly routes: readonly RouteSettings[];
}

/** The endpoint's host without path, query or user info; `invalid` when it does not parse (validated at start, so never expected). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

/** `GET /notifications/channels` → `{items}`: every configured channel, its host and breaker state. */
export function createChannelApi(channels: () => readonly ChannelView[]): Router {
  const router = Router();
  router.get('/notifications/channels', (req, res) => {
    validateInput(channelListQuery, req.query);
    res.json({ items: channels() });
  });
  return router;
}
