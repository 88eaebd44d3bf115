import type { Migration } from '@premonitor/db';

/** Views for SQL analysts and Grafana; documented in libs/db/README.md. */
export const analystViews: Migration = {
  name: '0004_analyst_views',
  statements: [
    // One aggregate per source table (a BRIN/time range scan for the whole fleet) rather than
    // a subquery per device; a filter on device_id is pushed down into both aggregates.
    `create or replace view v_device_health as
      with recent as (
             select device_id, count(*) as n from readings
              where time > now() - interval '1 hour' group by device_id),
           rejected as (
             select device_id, count(*) as n from dead_letters
              where time > now() - interval '24 hours' and device_id is not null group by device_id)
      select d.id as device_id,
             d.site,
             d.device,
             d.online,
             d.last_seen,
             d.status_changed_at,
             coalesce(r.n, 0) as readings_last_hour,
             coalesce(x.n, 0) as dead_letters_24h
        from devices d
        left join recent r on r.device_id = d.id
        left join rejected x on x.device_id = d.id`,
    `create or replace view v_alerts_daily as
      select date_trunc('day', a.first_seen) as day,
             a.site,
             a.severity,
             count(*) as opened,
             count(*) filter (where a.status <> 'resolved') as still_open
        from alerts a
       group by 1, 2, 3`,
    `create or replace view v_dead_letters_daily as
      select date_trunc('day', l.time) as day,
             l.reason,
             count(*) as messages,
             coalesce(sum(l.payload_bytes), 0)::bigint as bytes
        from dead_letters l
       group by 1, 2`,
  ],
};
