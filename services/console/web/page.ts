import type { User } from './api.js';

/** What a page gets: the user, the element to draw into and the route's parameters. */
export interface PageContext {
  readonly user: User;
  readonly main: HTMLElement;
  readonly params: readonly string[];
  /** Query of the hash route (`#/alerts?status=open`). */
  readonly search: URLSearchParams;
}

/** Draws a page; may return a cleanup run when the user leaves it (close a stream, stop a timer). */
export type Page = (ctx: PageContext) => Promise<(() => void) | void>;
