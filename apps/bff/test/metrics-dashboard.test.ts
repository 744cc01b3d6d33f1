// The Grafana dashboard (docs/grafana/powerdeck.json) and the metrics reference (docs/metrics.md) against the metrics
// the registry really exposes, so that neither drifts from the code: the dashboard imports cleanly (a Prometheus
// data source input, what it requires), every query names only metrics the registry exposes and groups only by
// labels they have, it shows every figure the issue asks for, and every metric is documented.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics/registry';

const root = new URL('../../../', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('docs/grafana/powerdeck.json', root), 'utf8')) as Dashboard;
const reference = readFileSync(new URL('docs/metrics.md', root), 'utf8');

interface Target {
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  __inputs: { name: string; type: string; pluginId: string }[];
  __requires: { type: string; id: string }[];
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; datasource: { uid: string } }[] };
}

/** What the registry exposes: each metric's name, type and label names, and every series name it writes. */
async function exposed(): Promise<{
  metrics: { name: string; type: string }[];
  series: Map<string, readonly string[]>;
}> {
  const registry = createMetrics({
    version: 'test',
    server: 'pd-test',
    fleetDataAgeMs: () => 0,
    sseClients: () => 0,
    // With several servers, so that the leader metric is there too; and the process's own metrics.
    isLeader: () => true,
    processMetrics: true,
  }).registry;
  const metrics = (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type) }));
  const series = new Map<string, readonly string[]>();
  for (const m of metrics) {
    // prom-client keeps each metric's label names on it (not in its public types).
    const labels = (registry.getSingleMetric(m.name) as unknown as { labelNames: readonly string[] })
      .labelNames;
    if (m.type === 'histogram') {
      series.set(`${m.name}_bucket`, [...labels, 'le']);
      for (const suffix of ['_sum', '_count']) series.set(`${m.name}${suffix}`, labels);
    } else series.set(m.name, labels);
  }
  return { metrics, series };
}

/** The process's own metrics (prom-client's defaults, prefixed): documented as a group, not one by one. */
const processMetric = (name: string) => /^powerdeck_(process|nodejs)_/.test(name);

const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
const metricNamesOf = (expr: string) => [...new Set(expr.match(/\bpowerdeck_[a-z0-9_]+/g) ?? [])];

describe('the Grafana dashboard', () => {
  it('imports cleanly: a Prometheus data source input used by every panel, query and variable, and what it requires', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    expect(dashboard.__requires.map((r) => `${r.type}:${r.id}`)).toEqual(
      expect.arrayContaining(['grafana:grafana', 'datasource:prometheus']),
    );
    for (const type of new Set(dashboard.panels.map((p) => p.type).filter((t) => t !== 'row'))) {
      expect(dashboard.__requires.map((r) => `${r.type}:${r.id}`)).toContain(`panel:${type}`);
    }
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('powerdeck');
    const uses = [
      ...dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.datasource?.uid),
      ...queries.map((q) => q.datasource.uid),
      ...dashboard.templating.list.map((v) => v.datasource.uid),
    ];
    expect(new Set(uses)).toEqual(new Set(['${DS_PROMETHEUS}']));
  });

  it('queries only metrics the registry exposes, and groups only by labels they have', async () => {
    const names = (await exposed()).series;
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) {
      const used = metricNamesOf(q.expr);
      expect(used.length, q.panel).toBeGreaterThan(0);
      for (const name of used) expect([...names.keys()], `${q.panel}: ${q.expr}`).toContain(name);
      const labels = new Set(used.flatMap((n) => names.get(n) ?? []));
      for (const clause of q.expr.match(/\b(?:by|on|group_left) \(([^)]*)\)/g) ?? []) {
        const inside = clause.slice(clause.indexOf('(') + 1, -1);
        for (const label of inside.split(',').map((l) => l.trim())) {
          // Prometheus adds instance and job to every series it scrapes.
          if (label === 'instance' || label === 'job') continue;
          expect([...labels], `${q.panel}: ${label} in ${q.expr}`).toContain(label);
        }
      }
    }
  });

  it('shows every figure the issue asks for', () => {
    const used = new Set(queries.flatMap((q) => metricNamesOf(q.expr)));
    for (const name of [
      'powerdeck_fleet_poll_duration_seconds_bucket',
      'powerdeck_fleet_last_successful_poll_age_seconds',
      'powerdeck_upstream_requests_total',
      'powerdeck_power_actions_total',
      'powerdeck_operation_duration_seconds_bucket',
      'powerdeck_operation_step_duration_seconds_bucket',
      'powerdeck_operation_escalations_total',
      'powerdeck_operation_step_timeouts_total',
      'powerdeck_sse_clients',
      'powerdeck_sign_ins_total',
      'powerdeck_alert_deliveries_total',
      'powerdeck_leader',
    ]) {
      expect(used, name).toContain(name);
    }
  });
});

describe('docs/metrics.md', () => {
  it('documents every metric the registry exposes, and names none it does not', async () => {
    const { metrics, series } = await exposed();
    const own = metrics.filter((m) => !processMetric(m.name));
    expect(own.length).toBeGreaterThanOrEqual(15);
    for (const m of own) expect(reference, m.name).toContain(`\`${m.name}\``);
    for (const mentioned of new Set(reference.match(/`powerdeck_[a-z0-9_]+`/g) ?? [])) {
      const name = mentioned.slice(1, -1);
      expect(series.has(name) || metrics.some((m) => m.name === name), name).toBe(true);
    }
  });
});
