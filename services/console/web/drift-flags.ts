import { api } from './api.js';
import { fill, h, table } from './dom.js';
import { num, when } from './format.js';

/** The kinds the drift monitor watches (frame kinds: their scores have a reference distribution). */
const WATCHED_KINDS = ['acoustic', 'thermal'] as const;

interface DeviceDrift { readonly device: { site: string; device: string }; readonly window: number; readonly psi: number | null; readonly jsDistance: number | null; readonly drifting: boolean; readonly evaluatedAt: number | null }
interface KindDrift { readonly kind: string; readonly modelVersion: string | null; readonly reference: { learning?: number; of?: number } | null; readonly devices: readonly DeviceDrift[] }

/** One row per watched kind: its production model, whether its reference is learned, how many devices drift. */
interface KindRow { readonly kind: string; readonly drift: KindDrift | undefined; readonly error?: string }

/**
 * Drift flags of the overview: each watched kind's production model and its drifting devices
 * (from `GET /models/{kind}/drift`); a device of a site the user may not see is not shown.
 */
export async function driftFlags(box: HTMLElement, visibleSites: readonly string[] | null): Promise<void> {
  const rows: KindRow[] = await Promise.all(
    WATCHED_KINDS.map((kind) =>
      api<KindDrift>(`/api/v1/models/${kind}/drift`).then(
        (drift) => ({ kind, drift }),
        (err: unknown) => ({ kind, drift: undefined, error: err instanceof Error ? err.message : String(err) }),
      ),
    ),
  );
  const visible = (d: DeviceDrift) => visibleSites === null || visibleSites.includes(d.device.site);
  const drifting = rows.flatMap((r) => (r.drift?.devices ?? []).filter((d) => d.drifting && visible(d)).map((d) => ({ kind: r.kind, ...d })));
  fill(
    box,
    h('h2', {}, 'Drift'),
    table(rows, {
      Kind: (r) => r.kind,
      'Production model': (r) => r.drift?.modelVersion ?? '—',
      Reference: (r) => referenceText(r),
      Drifting: (r) => {
        const n = (r.drift?.devices ?? []).filter((d) => d.drifting && visible(d)).length;
        return h('span', { class: `badge ${n > 0 ? 'drifting' : 'steady'}`, 'data-drifting': n }, n > 0 ? `▲ ${n} device(s) drifting` : '● none drifting');
      },
    }),
    drifting.length > 0
      ? table(drifting, { Kind: (d) => d.kind, Device: (d) => h('a', { href: `#/device/${d.device.site}/${d.device.device}` }, `${d.device.site}/${d.device.device}`), PSI: (d) => num(d.psi), 'JS distance': (d) => num(d.jsDistance), Window: (d) => d.window, Judged: (d) => when(d.evaluatedAt === null ? null : new Date(d.evaluatedAt).toISOString()) }, 'Drifting devices')
      : null,
  );
}

function referenceText(r: KindRow): string {
  if (r.error) return `not available: ${r.error}`;
  const ref = r.drift?.reference;
  if (!ref) return 'none';
  return ref.learning !== undefined ? `learning (${ref.learning} of ${ref.of} scores)` : 'learned';
}
