import { api, messageOf } from './api.js';
import { fill, h, notice } from './dom.js';

/** What a confirmed action posts, and where its outcome is reported. */
export interface ConfirmedAction {
  readonly label: string;
  /** Asked with `confirm()`: every change of models, backups and deliveries is asked for once. */
  readonly question: string;
  readonly path: string;
  /** The JSON body; `reason` bodies say the change came from the console. */
  readonly body?: unknown | (() => unknown);
  readonly outcome: HTMLElement;
  /** Runs after a 2xx (usually: draw the page again). */
  readonly done: () => void;
}

/** A button that asks, then POSTs, then reports the outcome (or the server's message) in `outcome`. */
export function confirmedButton(action: ConfirmedAction): HTMLButtonElement {
  return h('button', { type: 'button', onclick: () => runConfirmed(action) }, action.label);
}

/** Asks, then POSTs: for buttons and for forms that gather the body first. */
export function runConfirmed(action: ConfirmedAction): void {
  if (!confirm(action.question)) return;
  const body = typeof action.body === 'function' ? (action.body as () => unknown)() : action.body;
  api(action.path, { method: 'POST', body }).then(
    () => (fill(action.outcome, notice(`${action.label}: done`, 'ok')), action.done()),
    (err: unknown) => fill(action.outcome, notice(messageOf(err))),
  );
}
