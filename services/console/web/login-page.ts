import { messageOf } from './api.js';
import { fill, h, notice } from './dom.js';
import { logIn } from './session.js';

/** The login form; `done` runs once the session is set. */
export async function loginPage(main: HTMLElement, done: () => void): Promise<void> {
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in'),
    h('label', { for: 'login-name' }, 'Name'),
    name,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    h('button', { type: 'submit', class: 'primary' }, 'Log in'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    fill(status);
    logIn(name.value.trim(), password.value).then(done, (err: unknown) => fill(status, notice(messageOf(err))));
  });
  fill(main, form);
  main.dataset['ready'] = 'login';
  name.focus();
}
