import { whenUnauthorized } from './api.js';
import { h, fill } from './dom.js';
import type { Page } from './page.js';
import { currentUser, logOut } from './session.js';
import { loginPage } from './login-page.js';
import { alertsPage } from './alerts-page.js';
import { alertPage } from './alert-page.js';
import { overviewPage } from './overview-page.js';
import { devicePage } from './device-page.js';
import { modelsPage } from './models-page.js';
import { retrainingPage } from './retraining-page.js';
import { notificationsPage } from './notifications-page.js';
import { auditPage } from './audit-page.js';
import { tokensPage } from './tokens-page.js';
import { reportsPage } from './reports-page.js';

/** Hash routes (`#/alerts`, `#/device/site/dev`): the server serves one page, so a reload keeps the place. */
const PAGES: Readonly<Record<string, { readonly title: string; readonly page: Page; readonly nav?: boolean }>> = {
  overview: { title: 'Overview', page: overviewPage, nav: true },
  alerts: { title: 'Alerts', page: alertsPage, nav: true },
  alert: { title: 'Alert', page: alertPage },
  device: { title: 'Device', page: devicePage },
  models: { title: 'Models', page: modelsPage, nav: true },
  retraining: { title: 'Retraining', page: retrainingPage, nav: true },
  reports: { title: 'Reports', page: reportsPage, nav: true },
  notifications: { title: 'Notifications', page: notificationsPage, nav: true },
  audit: { title: 'Audit log', page: auditPage, nav: true },
  tokens: { title: 'Tokens', page: tokensPage, nav: true },
};

let cleanup: (() => void) | void = undefined;

async function render(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  const header = document.getElementById('top')!;
  const main = document.getElementById('main')!;
  // Set again once the page has drawn: tests and screen readers wait for it.
  delete main.dataset['ready'];
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = 'overview', ...params] = path.split('/').filter(Boolean).map(decodeURIComponent);
  const user = await currentUser();
  if (!user || name === 'login') {
    fill(header, h('span', { class: 'brand' }, 'Premonitor'));
    document.title = 'Log in · Premonitor';
    await loginPage(main, () => go('#/alerts'));
    return;
  }
  const entry = PAGES[name] ?? PAGES['overview']!;
  document.title = `${entry.title} · Premonitor`;
  fill(
    header,
    h('span', { class: 'brand' }, 'Premonitor'),
    h(
      'nav',
      { 'aria-label': 'Pages' },
      Object.entries(PAGES)
        .filter(([, p]) => p.nav)
        .map(([key, p]) => h('a', { href: `#/${key}`, 'aria-current': key === name ? 'page' : undefined }, p.title)),
    ),
    h('span', { class: 'who' }, `${user.name} (${user.role})`),
    h('button', { type: 'button', class: 'link', onclick: () => void logOut().then(() => go('#/login')) }, 'Log out'),
  );
  fill(main, h('h1', {}, entry.title));
  try {
    cleanup = await entry.page({ user, main, params, search: new URLSearchParams(search) });
  } catch (err) {
    main.append(h('p', { class: 'notice error', role: 'alert' }, `Error: ${err instanceof Error ? err.message : String(err)}`));
  }
  main.dataset['ready'] = name;
  // Keyboard and screen-reader users start at the new page's content, not at the top bar.
  if (document.activeElement === document.body || document.activeElement === null) main.focus({ preventScroll: true });
}

/** Shows `hash`: a changed hash renders through `hashchange`, the same one is drawn again. */
function go(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

whenUnauthorized(() => {
  if (!location.hash.startsWith('#/login')) location.hash = '#/login';
});
window.addEventListener('hashchange', () => void render());
void render();
