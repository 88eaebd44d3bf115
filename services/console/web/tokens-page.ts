import { api, messageOf } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { when } from './format.js';
import type { Page } from './page.js';
import { can } from './session.js';

interface Token { readonly id: number; readonly name: string; readonly user: string; readonly role: string; readonly sites: readonly string[] | null; readonly expiresAt: string | null; readonly revokedAt: string | null; readonly lastUsedAt?: string | null }

/** API tokens: issue (the value is shown once), list, revoke — admin only. */
export const tokensPage: Page = async ({ user, main }) => {
  if (!can(user, 'admin:tokens')) {
    main.append(h('p', {}, 'Only an admin manages API tokens.'));
    return;
  }
  const outcome = h('div', { 'aria-live': 'polite' });
  const list = h('div', { class: 'table-wrap' });
  const name = h('input', { name: 'name', required: true, 'aria-label': 'Token name', placeholder: 'name, e.g. scada' });
  const role = h('select', { name: 'role', 'aria-label': 'Role' }, ['viewer', 'operator', 'admin'].map((r) => h('option', { value: r }, r)));
  const days = h('input', { name: 'days', type: 'number', min: 1, max: 3650, value: 90, 'aria-label': 'Expires in days' });
  const form = h('form', { class: 'filters' }, name, role, days, h('button', { type: 'submit', class: 'primary' }, 'Issue token'));
  main.append(form, outcome, list);
  const draw = async (): Promise<void> => {
    const { items } = await api<{ items: Token[] }>('/api/v1/auth/tokens');
    const revoke = (t: Token) =>
      t.revokedAt ? 'revoked' : h('button', { type: 'button', onclick: () => confirm(`Revoke token ${t.name}?`) && api(`/api/v1/auth/tokens/${t.id}/revoke`, { method: 'POST' }).then(() => void draw(), (err: unknown) => fill(outcome, notice(messageOf(err)))) }, 'Revoke');
    fill(list, table(items, { Name: (t) => t.name, User: (t) => t.user, Role: (t) => t.role, Sites: (t) => t.sites?.join(', ') ?? 'all', Expires: (t) => when(t.expiresAt), State: revoke }));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    api<{ token: string }>('/api/v1/auth/tokens', { method: 'POST', body: { name: name.value, role: role.value, expiresInDays: Number(days.value) } }).then(
      (answer) => (fill(outcome, h('p', { class: 'notice ok', role: 'status' }, 'Copy it now, it is not shown again: ', h('code', {}, answer.token))), void draw()),
      (err: unknown) => fill(outcome, notice(messageOf(err))),
    );
  });
  await draw();
};
