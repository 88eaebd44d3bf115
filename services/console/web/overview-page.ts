import { api, query } from './api.js';
import { onlineBadge, severityBadge } from './badges.js';
import { driftFlags } from './drift-flags.js';
import { fill, h, table } from './dom.js';
import { num, when } from './format.js';
import type { Page } from './page.js';

interface Device { readonly site: string; readonly device: string; readonly online: boolean; readonly lastSeen?: string }
interface Model { readonly kind: string; readonly scope: string; readonly version: string; readonly stage: string; readonly promotedAt: string | null }

/** Counted per severity: one page of open alerts (more shows as "1000+"). */
const OPEN_COUNTED = 1_000;
/** The ingest rate is the growth of ingest's counter over this long. */
const RATE_WINDOW_MS = 5_000;

/** Devices online/offline, open alerts by severity, ingest rate, models in production, drift flags. */
export const overviewPage: Page = async ({ user, main }) => {
  // A credential limited to sites sees its first site (lists must name one).
  const site = user.sites?.[0];
  const cards = h('div', { class: 'cards' });
  const devicesBox = h('section', {}, h('h2', {}, 'Devices'));
  const modelsBox = h('section', {}, h('h2', {}, 'Models in production'));
  const driftBox = h('section', {}, h('h2', {}, 'Drift'));
  main.append(cards, devicesBox, modelsBox, driftBox);
  const [devices, models, , ...open] = await Promise.all([
    api<{ items: Device[] }>(`/api/v1/devices${query({ site })}`),
    api<{ items: Model[] }>('/api/v1/models?stage=production').catch(() => ({ items: [] as Model[] })),
    driftFlags(driftBox, user.sites),
    ...(['CRITICAL', 'WARNING', 'INFO'] as const).map(async (severity) => {
      const page = await api<{ items: unknown[]; next: string | null }>(`/api/v1/alerts${query({ status: 'open', severity, site, limit: OPEN_COUNTED })}`);
      return { severity, count: `${page.items.length}${page.next ? '+' : ''}` };
    }),
  ]);
  const online = devices.items.filter((d) => d.online).length;
  const rate = h('span', { id: 'ingest-rate' }, 'measuring…');
  fill(
    cards,
    card('Devices online', `${online} / ${devices.items.length}`),
    card('Devices offline', String(devices.items.length - online)),
    ...open.map((o) => card(h('span', {}, 'Open ', severityBadge(o.severity)), h('a', { href: `#/alerts${query({ status: 'open', severity: o.severity, site })}` }, o.count))),
    card('Readings stored / s', rate),
  );
  fill(devicesBox, h('h2', {}, 'Devices'), table(devices.items, { Device: (d) => h('a', { href: `#/device/${d.site}/${d.device}` }, `${d.site}/${d.device}`), State: (d) => onlineBadge(d.online), 'Last seen': (d) => when(d.lastSeen) }));
  fill(modelsBox, h('h2', {}, 'Models in production'), table(models.items, { Kind: (m) => m.kind, Scope: (m) => m.scope || 'fleet', Version: (m) => m.version, Since: (m) => when(m.promotedAt) }));
  void ingestRate().then((r) => fill(rate, r === undefined ? 'not available here' : num(r, 1)));
};

function card(title: string | Node, value: string | Node): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value));
}

/** Readings stored per second, from two reads of `/metrics` (embedded mode serves ingest's counters there). */
async function ingestRate(): Promise<number | undefined> {
  const read = async () => {
    const res = await fetch('/metrics');
    const line = (await res.text()).split('\n').find((l) => l.startsWith('pm_ingest_readings_stored_total'));
    return line ? Number(line.split(' ').at(-1)) : undefined;
  };
  const first = await read().catch(() => undefined);
  if (first === undefined) return undefined;
  await new Promise((r) => setTimeout(r, RATE_WINDOW_MS));
  const second = await read().catch(() => undefined);
  return second === undefined ? undefined : ((second - first) * 1000) / RATE_WINDOW_MS;
}
