import { api, query } from './api.js';
import { fill, h } from './dom.js';
import type { Page } from './page.js';
import { reportTable, type Report } from './report-table.js';

/** Maintenance reports, newest first, with scores and corrections; `#/reports?site=&device=&alert=` narrows them. */
export const reportsPage: Page = async ({ user, main, search }) => {
  // A credential limited to sites sees its first site unless the route names one (the list must name a site).
  const site = search.get('site') ?? user.sites?.[0];
  const filter = { site, device: search.get('device') ?? undefined, alert: search.get('alert') ?? undefined, limit: 200 };
  const list = h('div', {});
  main.append(list);
  const draw = async (): Promise<void> => {
    const { items } = await api<{ items: Report[] }>(`/api/v1/reports${query(filter)}`);
    fill(list, reportTable(user, items, () => void draw()));
  };
  await draw();
};
