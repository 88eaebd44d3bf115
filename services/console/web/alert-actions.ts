import { api, messageOf, type User } from './api.js';
import { fill, h, notice } from './dom.js';
import { can } from './session.js';

/** What an alert row needs to offer its actions. */
export interface AlertRef {
  readonly id: string;
  readonly status: string;
}

/**
 * Acknowledge / resolve buttons (each asks for a note first), shown only to a role allowed to
 * use them; `changed` runs with the server's answer. A viewer gets nothing here.
 */
export function alertActions(user: User, alert: AlertRef, changed: () => void): HTMLElement | null {
  if (!can(user, 'write:alerts') || alert.status === 'resolved') return null;
  const box = h('div', { class: 'actions' });
  const offer = (action: 'ack' | 'resolve', label: string) =>
    h('button', { type: 'button', 'data-action': action, onclick: () => askNote(box, alert.id, action, label, changed) }, label);
  fill(box, alert.status === 'open' ? offer('ack', 'Acknowledge') : null, offer('resolve', 'Resolve'));
  return box;
}

function askNote(box: HTMLElement, id: string, action: 'ack' | 'resolve', label: string, changed: () => void): void {
  const note = h('input', { name: 'note', 'aria-label': `Note for ${label.toLowerCase()}`, placeholder: 'Note (required)', required: true, maxlength: 1000 });
  const status = h('span', { 'aria-live': 'polite' });
  const form = h('form', { class: 'note-form' }, note, h('button', { type: 'submit', class: 'primary' }, `Confirm ${label.toLowerCase()}`), h('button', { type: 'button', onclick: () => changed() }, 'Cancel'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    api(`/api/v1/alerts/${id}/${action}`, { method: 'POST', body: { note: note.value } }).then(changed, (err: unknown) => fill(status, notice(messageOf(err))));
  });
  fill(box, form);
  note.focus();
}

/** "True fault" / "False alarm" buttons for an engineer's verdict (write:feedback). */
export function feedbackActions(user: User, id: string, done: (verdict: string) => void): HTMLElement | null {
  if (!can(user, 'write:feedback')) return null;
  const status = h('span', { 'aria-live': 'polite' });
  const send = (verdict: 'true_fault' | 'false_alarm') =>
    api(`/api/v1/alerts/${id}/feedback`, { method: 'POST', body: { verdict } }).then(
      () => done(verdict),
      (err: unknown) => fill(status, notice(messageOf(err))),
    );
  return h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => void send('true_fault') }, 'True fault'), h('button', { type: 'button', onclick: () => void send('false_alarm') }, 'False alarm'), status);
}
