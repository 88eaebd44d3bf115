// Grafana dashboards as code. `node deploy/grafana/dashboards.mjs` writes
// deploy/grafana/dashboards/*.json from the definitions below; test/observability.test.ts fails
// when a committed file differs from what this produces, and when a dashboard asks for a
// metric family that no service's /metrics exposes (a panel that would say "no data").
//
// Data sources by uid, as deploy/grafana/provisioning/datasources provisions them:
// `prometheus` (every service's /metrics) and `postgres` (the analyst views, read-only role).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROM = { type: 'prometheus', uid: 'prometheus' };
const PG = { type: 'grafana-postgresql-datasource', uid: 'postgres' };

/** A Prometheus time series panel; `unit` is Grafana's unit id. */
function prom(title, queries, unit = 'short', description) {
  return {
    type: 'timeseries',
    title,
    ...(description ? { description } : {}),
    datasource: PROM,
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: queries.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: PROM, expr, legendFormat })),
  };
}

/** A single-value panel from one Prometheus query. */
function stat(title, expr, unit = 'short', thresholds) {
  return {
    type: 'stat',
    title,
    datasource: PROM,
    fieldConfig: { defaults: { unit, ...(thresholds ? { thresholds: { mode: 'absolute', steps: thresholds } } : {}) }, overrides: [] },
    targets: [{ refId: 'A', datasource: PROM, expr, legendFormat: '' }],
  };
}

/** A PostgreSQL panel: `format` is `time_series` or `table`. */
function sqlPanel(title, rawSql, format = 'time_series', type = format === 'table' ? 'table' : 'timeseries') {
  return {
    type,
    title,
    datasource: PG,
    fieldConfig: { defaults: {}, overrides: [] },
    targets: [{ refId: 'A', datasource: PG, editorMode: 'code', format, rawQuery: true, rawSql }],
  };
}

/** Lays panels out two per row (stat panels four per row). */
function layout(panels) {
  let x = 0;
  let y = 0;
  return panels.map((panel, id) => {
    const w = panel.type === 'stat' ? 6 : 12;
    const h = panel.type === 'stat' ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const placed = { id: id + 1, gridPos: { x, y, w, h }, ...panel };
    x += w;
    return placed;
  });
}

function dashboard(uid, title, panels, templating = []) {
  return {
    uid,
    title,
    tags: ['premonitor'],
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: templating },
    annotations: { list: [] },
    panels: layout(panels),
  };
}

const RATE = '[$__rate_interval]';

const fleet = dashboard('pm-fleet', 'Premonitor / Fleet', [
  stat('Devices online', 'sum(max by (site) (pm_fleet_devices{state="online"}))'),
  stat('Devices offline', 'sum(max by (site) (pm_fleet_devices{state="offline"}))', 'short', [{ color: 'green', value: null }, { color: 'orange', value: 1 }]),
  stat('Readings stored / s', `sum(rate(pm_ingest_readings_stored_total${RATE}))`, 'ops'),
  stat('Edge records queued', 'sum(max by (site) (pm_fleet_edge_queue_depth))'),
  prom('Devices by site and state', [['max by (site, state) (pm_fleet_devices)', '{{site}} {{state}}']]),
  prom('MQTT messages in / out per second, by channel', [
    [`sum by (channel) (rate(pm_ingest_messages_in_total${RATE}))`, 'in {{channel}}'],
    [`sum by (channel) (rate(pm_ingest_messages_out_total${RATE}))`, 'out {{channel}}'],
  ], 'ops'),
  prom('Rejected messages per second, by reason', [[`sum by (reason) (rate(pm_ingest_rejected_total${RATE}))`, '{{reason}}']], 'ops'),
  prom('Readings stored and duplicates per second', [
    [`sum(rate(pm_ingest_readings_stored_total${RATE}))`, 'stored'],
    [`sum(rate(pm_ingest_duplicate_readings_total${RATE}))`, 'duplicates'],
    [`sum by (channel) (rate(pm_ingest_poison_total${RATE}))`, 'poison {{channel}}'],
  ], 'ops'),
  prom('Edge store-and-forward queues, by site', [
    ['max by (site) (pm_fleet_edge_queue_depth)', 'queued {{site}}'],
    ['max by (site) (pm_fleet_edge_dropped)', 'dropped {{site}}'],
  ]),
  prom('Ingest: receive → persisted latency p95, by channel', [[`histogram_quantile(0.95, sum by (le, channel) (rate(pm_ingest_handle_seconds_bucket${RATE})))`, '{{channel}}']], 's'),
]);

const alerts = dashboard('pm-alerts', 'Premonitor / Alerts', [
  stat('Open CRITICAL', 'sum(max by (status) (pm_fusion_open_alerts{severity="CRITICAL"}))', 'short', [{ color: 'green', value: null }, { color: 'red', value: 1 }]),
  stat('Open WARNING', 'sum(max by (status) (pm_fusion_open_alerts{severity="WARNING"}))', 'short', [{ color: 'green', value: null }, { color: 'orange', value: 1 }]),
  stat('Breakers open', 'count(max by (channel) (pm_notifier_breaker_state) == 2) or vector(0)', 'short', [{ color: 'green', value: null }, { color: 'red', value: 1 }]),
  stat('Notifications pending', 'sum(max by (channel) (pm_notifier_outbox_backlog{status="pending"}))'),
  prom('Unresolved alerts, by severity and status', [['max by (severity, status) (pm_fusion_open_alerts)', '{{severity}} {{status}}']]),
  prom('Alert transitions per second, by new status', [[`sum by (to) (rate(pm_fusion_transitions_total${RATE}))`, '{{to}}']], 'ops'),
  sqlPanel(
    'Alerts opened and resolved per day, by severity',
    `select date_trunc('day', first_seen) as time, severity || ' opened' as metric, count(*) as value
       from alerts where $__timeFilter(first_seen) group by 1, 2
     union all
     select date_trunc('day', resolved_at), severity || ' resolved', count(*)
       from alerts where resolved_at is not null and $__timeFilter(resolved_at) group by 1, 2
     order by 1`,
  ),
  sqlPanel(
    'Time to acknowledge (median and p90, minutes), by severity',
    `select a.severity,
            round((percentile_cont(0.5) within group (order by extract(epoch from e.time - a.first_seen)) / 60)::numeric, 1) as median_minutes,
            round((percentile_cont(0.9) within group (order by extract(epoch from e.time - a.first_seen)) / 60)::numeric, 1) as p90_minutes,
            count(*) as acknowledged
       from alert_events e join alerts a on a.id = e.alert_id
      where e.to_status = 'acknowledged' and $__timeFilter(e.time)
      group by 1 order by 1`,
    'table',
  ),
  prom('Delivery attempts per second, by channel and outcome', [[`sum by (channel, outcome) (rate(pm_notifier_attempts_total${RATE}))`, '{{channel}} {{outcome}}']], 'ops'),
  prom('Breaker state per channel (0 closed, 1 half-open, 2 open)', [['max by (channel) (pm_notifier_breaker_state)', '{{channel}}']]),
  prom('Notification outbox, by channel and status', [['max by (channel, status) (pm_notifier_outbox_backlog)', '{{channel}} {{status}}']]),
  prom('Webhook latency p95, by channel', [[`histogram_quantile(0.95, sum by (le, channel) (rate(pm_notifier_attempt_seconds_bucket${RATE})))`, '{{channel}}']], 's'),
]);

const models = dashboard('pm-models', 'Premonitor / Models', [
  prom('Frames scored per second, by kind and model version', [[`sum by (kind, model_version) (rate(pm_inference_scored_total${RATE}))`, '{{kind}} {{model_version}}']], 'ops'),
  prom('Model in production, by kind (1 = serving; fallback 1 = not the registry\'s production model)', [
    ['max by (kind, version) (pm_inference_model_info)', '{{kind}} {{version}}'],
    ['max by (kind) (pm_inference_model_fallback)', 'fallback {{kind}}'],
  ]),
  prom(
    'Mean score over 1 h, by kind and reference (drift)',
    [['sum by (kind, reference) (rate(pm_inference_score_sum[1h])) / sum by (kind, reference) (rate(pm_inference_score_count[1h]))', '{{kind}} vs {{reference}}']],
    'percentunit',
    'A mean that moves over days while the fleet is unchanged is model or sensor drift; compare with the same hour a week ago.',
  ),
  prom(
    'Model drift: PSI of each device\'s scores against the production model\'s reference (0.25 = drifted)',
    [
      ['max by (kind, device) (pm_model_drift_psi)', 'PSI {{kind}} {{device}}'],
      ['max by (kind, device, feature) (pm_model_input_drift_psi)', 'input {{feature}} PSI {{kind}} {{device}}'],
      ['sum by (kind) (pm_model_drift_drifting)', 'drifting devices {{kind}}'],
    ],
    'short',
    'Retraining compares each device\'s latest scores with the reference distribution of the model in production (GET /api/v1/models/{kind}/drift); a drifting device raises an INFO model-drift alert.',
  ),
  prom('Share of frames scored above 0.5, by kind', [[`sum by (kind) (rate(pm_inference_score_count${RATE})) - sum by (kind) (rate(pm_inference_score_bucket{le="0.5"}${RATE}))`, '{{kind}}']], 'ops'),
  prom('Inference latency (frame received → scored) p50 / p95, by kind', [
    [`histogram_quantile(0.5, sum by (le, kind) (rate(pm_inference_latency_seconds_bucket${RATE})))`, 'p50 {{kind}}'],
    [`histogram_quantile(0.95, sum by (le, kind) (rate(pm_inference_latency_seconds_bucket${RATE})))`, 'p95 {{kind}}'],
  ], 's'),
  prom('Mean batch size, by kind', [[`sum by (kind) (rate(pm_inference_batch_size_sum${RATE})) / sum by (kind) (rate(pm_inference_batch_size_count${RATE}))`, '{{kind}}']]),
  prom('Frames rejected and batches failed per second', [
    [`sum by (kind, reason) (rate(pm_inference_rejected_total${RATE}))`, 'rejected {{kind}} {{reason}}'],
    [`sum by (kind) (rate(pm_inference_batch_failures_total${RATE}))`, 'failed batch {{kind}}'],
    [`sum by (kind, reason) (increase(pm_inference_model_refused_total[1h]))`, 'model refused {{kind}} {{reason}}'],
  ], 'ops'),
  prom('Forecasting: models, retrains by reason, risk rising to high', [
    ['max(pm_forecast_models)', 'models'],
    ['sum by (reason) (increase(pm_forecast_retrained_total[1h]))', 'retrained ({{reason}}) / h'],
    ['sum(increase(pm_forecast_risk_rose_high_total[1h]))', 'rose to high / h'],
  ]),
]);

const pipeline = dashboard('pm-pipeline', 'Premonitor / Pipeline health', [
  stat('Services down', 'count(up{job=~"(.*/)?premonitor.*"} == 0) or vector(0)', 'short', [{ color: 'green', value: null }, { color: 'red', value: 1 }]),
  stat('Database reachable (min over services)', 'min(pm_db_up)', 'short', [{ color: 'red', value: null }, { color: 'green', value: 1 }]),
  stat('Largest consumer lag', 'max(pm_bus_consumer_pending)'),
  stat('Dead letters, last hour', 'sum(max by (source) (pm_dead_letters_last_hour))'),
  prom('JetStream consumer lag (not yet delivered), by durable', [['max by (stream, durable) (pm_bus_consumer_pending)', '{{stream}}/{{durable}}']]),
  prom('JetStream unacknowledged, by durable', [['max by (stream, durable) (pm_bus_consumer_ack_pending)', '{{stream}}/{{durable}}']]),
  prom('Outbox backlogs', [
    ['max(pm_fusion_outbox_backlog)', 'fusion alert_outbox'],
    ['sum(max by (channel) (pm_notifier_outbox_backlog{status="pending"}))', 'notifier pending'],
    ['max(pm_ingest_pending_acks)', 'ingest unacknowledged MQTT'],
  ]),
  prom('Dead letters in the last hour, by source', [['max by (source) (pm_dead_letters_last_hour)', '{{source}}']]),
  prom('Database round trip, by service', [['max by (service) (pm_db_ping_seconds)', '{{service}}']], 's'),
  prom('Database pool use, by service', [
    ['max by (service) (pm_db_pool_connections{state="total"}) - max by (service) (pm_db_pool_connections{state="idle"})', 'busy {{service}}'],
    ['max by (service) (pm_db_pool_connections{state="waiting"})', 'waiting {{service}}'],
    ['max by (service) (pm_db_pool_connections{state="max"})', 'size {{service}}'],
  ]),
  prom('Event-loop lag p99, by service', [['max by (service) (nodejs_eventloop_lag_p99_seconds)', '{{service}}']], 's'),
  prom('HTTP requests per second, by service, route and status', [[`sum by (service, route, status) (rate(pm_http_requests_total${RATE}))`, '{{service}} {{route}} {{status}}']], 'reqps'),
  prom('HTTP latency p95, by service and route', [[`histogram_quantile(0.95, sum by (le, service, route) (rate(pm_http_request_duration_seconds_bucket${RATE})))`, '{{service}} {{route}}']], 's'),
  prom('Resident memory, by service', [['max by (service) (process_resident_memory_bytes)', '{{service}}']], 'bytes'),
]);

const deviceVariables = [
  { name: 'site', type: 'query', datasource: PG, query: 'select distinct site from devices order by 1', refresh: 1 },
  { name: 'device', type: 'query', datasource: PG, query: "select distinct device from devices where site = '$site' order by 1", refresh: 1 },
  { name: 'key', type: 'query', datasource: PG, query: "select distinct key from readings where device_id = '$site/$device' and time > now() - interval '1 day' order by 1", refresh: 2, multi: true, includeAll: true },
];

const device = dashboard(
  'pm-device',
  'Premonitor / Device',
  [
    sqlPanel('Health (v_device_health)', "select device_id, online, last_seen, status_changed_at, readings_last_hour, dead_letters_24h from v_device_health where site = '$site' and device = '$device'", 'table'),
    sqlPanel(
      'Readings (1-minute averages)',
      `select $__timeGroupAlias(time, '1m'), key as metric, avg(value) as value
         from readings where device_id = '$site/$device' and key in ($key) and $__timeFilter(time)
        group by 1, 2 order by 1`,
    ),
    sqlPanel(
      'Anomaly scores (1-minute maximum), by kind',
      `select $__timeGroupAlias(time, '1m'), kind as metric, max(score) as value
         from scores where device_id = '$site/$device' and $__timeFilter(time) group by 1, 2 order by 1`,
    ),
    sqlPanel(
      'Alerts',
      `select first_seen, last_seen, severity, status, rule, title, count
         from alerts where site = '$site' and device_id = '$site/$device' and $__timeFilter(last_seen)
        order by last_seen desc limit 200`,
      'table',
    ),
    sqlPanel(
      'Dead letters',
      `select time, source, reason, topic, payload_bytes
         from dead_letters where device_id = '$site/$device' and $__timeFilter(time) order by time desc limit 200`,
      'table',
    ),
  ],
  deviceVariables,
);

/** Every dashboard, by file name. */
export const dashboards = { 'fleet.json': fleet, 'alerts.json': alerts, 'models.json': models, 'pipeline.json': pipeline, 'device.json': device };

/** The file text of a dashboard, as committed. */
export function dashboardText(model) {
  return `${JSON.stringify(model, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(dirname(fileURLToPath(import.meta.url)), 'dashboards');
  mkdirSync(out, { recursive: true });
  for (const [file, model] of Object.entries(dashboards)) writeFileSync(join(out, file), dashboardText(model));
  console.log(`wrote ${Object.keys(dashboards).length} dashboards to ${out}`);
}
