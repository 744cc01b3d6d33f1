// The figures of the Grafana dashboard (docs/grafana/powerdeck.json), plotted from a simulated run, for the README
// (Grafana itself is not installed here). Starts the simulator (in this process) and the real BFF (apps/bff/src/
// server.ts, its own process) against it with a metrics token in a file, then drives a few minutes of what people
// and VergeOS do: polls, sign-ins (some wrong, a name locked), a wall display and pages following the event streams,
// power actions through the VergeOS routes (accepted, a conflict, one refused), operations (an escalation, a timeout,
// "Force now", a reboot), VergeOS answering errors for a while and then slowly, and alerts: four targets created
// through the API, on receivers this script starts on 127.0.0.1 (a webhook whose receiver answers 500 to every other
// request; an old pager hook, VMs down only, whose receiver answers 410 Gone; Slack; e-mail, warnings and worse, over
// a real SMTP server), told of what the app's own alert sources see (two VMs stopping outside Powerdeck and running
// again, the shut down that times out) and sent a test now and then. Meanwhile it scrapes GET /metrics every second. Each dashboard panel is then computed from the scrapes as its PromQL does (rates over a window,
// histogram quantiles), drawn as inline SVG in one HTML page, and screenshot with Chromium.
//
//   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 pnpm metrics:screenshot [--seconds 180] [--out docs/images/metrics.png]
//
// Every panel of the dashboard must have its figure here (the script stops otherwise), so the picture cannot drift
// from the dashboard. The BFF runs with its default alert timings (no variable sets them): a VM down waits 30 s for
// others before it is sent, a failed try is tried again after 30 s, then 1 min, and nothing is given up within the
// run but what a receiver refuses for good (410).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import type { AlertTargetCreated } from '@powerdeck/contracts/alerts';
import { CSRF_HEADER, REASON_HEADER } from '@powerdeck/contracts/roles';
import { createSimulator, type Simulator } from '@powerdeck/vergeos-sim';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { SMTPServer } from 'smtp-server';

const { values: argv } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    out: { type: 'string', default: 'docs/images/metrics.png' },
    'time-scale': { type: 'string', default: '0.2' },
  },
});
const RUN_S = Number(argv.seconds);
const TIME_SCALE = Number(argv['time-scale']);
if (!(RUN_S >= 60) || !(TIME_SCALE > 0))
  throw new Error('usage: metrics-screenshot.ts [--seconds >=60] [--time-scale >0]');
/** The rate window of every panel (Grafana's $__rate_interval for a 1 s scrape would be 4 s: too jumpy to read). */
const WINDOW_S = 20;
const VMS = 40;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OUT = resolve(root, argv.out);

// ---------------------------------------------------------------------------------------------------------------
// The BFF, the simulator, and people

function startBff(sim: Simulator, dataDir: string, tokenFile: string) {
  const { VERGEOS_URL: _u, VERGEOS_API_KEY: _k, POWERDECK_METRICS_TOKEN: _t, ...inherited } = process.env;
  const child = spawn('node', ['--import', 'tsx', 'apps/bff/src/server.ts'], {
    cwd: root,
    env: {
      ...inherited,
      PORT: '0',
      HOST: '127.0.0.1',
      VERGEOS_URL: sim.url,
      VERGEOS_API_KEY: sim.apiKey,
      POWERDECK_DATA_DIR: dataDir,
      POWERDECK_METRICS_TOKEN_FILE: tokenFile,
      POWERDECK_POLL_INTERVAL_MS: '1000',
      POWERDECK_FAST_POLL_INTERVAL_MS: '500',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<{ child: ChildProcess; origin: string; password: string }>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the BFF did not start within 60 s:\n${out.slice(-2000)}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /Powerdeck: (http:\/\/\S+)/.exec(out);
      const password = /First user: admin, password: (\S+)/.exec(out);
      if (url?.[1] && password?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        done({ child, origin: url[1], password: password[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the BFF exited (${code}) before it was ready:\n${out.slice(-2000)}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** A browser's or a script's way to Powerdeck: its cookie (or token) on every request. */
class Client {
  constructor(
    private readonly origin: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  request(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${this.origin}${path}`, {
      method,
      headers: {
        [CSRF_HEADER]: '1',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...this.headers,
        ...extra,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  /** An event stream held open until `close()` (what a page or a wall does). */
  stream(path: string): { close: () => void } {
    const controller = new AbortController();
    void fetch(`${this.origin}${path}`, {
      headers: { accept: 'text/event-stream', ...this.headers },
      signal: controller.signal,
    })
      .then(async (res) => {
        for await (const _chunk of res.body ?? []) {
          // Read and drop: a stream that is not read backs up.
        }
      })
      .catch(() => undefined);
    return { close: () => controller.abort() };
  }
}

async function signIn(origin: string, username: string, password: string): Promise<Client | null> {
  const res = await new Client(origin).request('POST', '/api/session', { username, password });
  if (!res.ok) return null;
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return new Client(origin, { cookie });
}

async function simControl(sim: Simulator, path: string, body: unknown, method = 'POST'): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} /__sim/${path}: ${res.status} ${await res.text()}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Alert receivers: what the targets send to, on 127.0.0.1

interface Receiver {
  url: string;
  /** How many messages arrived (HTTP requests, or e-mails accepted). */
  readonly received: number;
  close(): Promise<void>;
}

/** An HTTP receiver; `status(n)` is its answer to the n-th request (1, 2, ...). */
async function httpReceiver(status: (n: number) => number): Promise<Receiver> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      const code = status(received);
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(code < 300 ? 'ok' : http.STATUS_CODES[code]);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A real SMTP server that accepts every message (no sign-in, no TLS: a relay on a trusted network). */
async function smtpReceiver(): Promise<Receiver & { port: number }> {
  let received = 0;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    hideSTARTTLS: true,
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => {
        received++;
        cb();
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    get received() {
      return received;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scrapes

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface ScrapeAt {
  t: number;
  samples: Sample[];
}

/**
 * One scrape as series. Histograms are declared untyped before parsing: the parser keeps a histogram whole only when
 * it has no labels, so its `_bucket`, `_sum` and `_count` series are read as Prometheus stores them.
 */
function seriesOf(text: string): Sample[] {
  const untyped = text
    .split('\n')
    .map((line) =>
      line.startsWith('# TYPE ') && line.endsWith(' histogram')
        ? `${line.slice(0, -' histogram'.length)} untyped`
        : line,
    )
    .join('\n');
  return parsePrometheusTextFormat(untyped).flatMap((family) =>
    family.metrics.map((m) => ({ name: family.name, labels: m.labels ?? {}, value: Number(m.value) })),
  );
}

type Points = (number | null)[];
interface Line {
  label: string;
  points: Points;
}

class History {
  readonly scrapes: ScrapeAt[] = [];
  get times(): number[] {
    return this.scrapes.map((s) => s.t);
  }

  private static keyOf(labels: Record<string, string>, by: readonly string[]): string {
    return JSON.stringify(by.map((l) => labels[l] ?? ''));
  }

  /** `sum by (by) (rate(name[WINDOW]))` at each scrape (null until a window has passed). */
  rate(name: string, by: readonly string[]): Map<string, Points> {
    const out = new Map<string, Points>();
    const n = this.scrapes.length;
    this.scrapes.forEach((now, i) => {
      let j = i;
      while (j > 0 && now.t - this.scrapes[j - 1]!.t <= WINDOW_S) j--;
      const then = this.scrapes[j]!;
      const dt = now.t - then.t;
      if (dt < WINDOW_S / 2) return;
      const before = new Map(
        then.samples.filter((s) => s.name === name).map((s) => [JSON.stringify(s.labels), s.value]),
      );
      const sums = new Map<string, number>();
      for (const s of now.samples) {
        if (s.name !== name) continue;
        const was = before.get(JSON.stringify(s.labels)) ?? 0;
        const increase = s.value >= was ? s.value - was : s.value;
        const key = History.keyOf(s.labels, by);
        sums.set(key, (sums.get(key) ?? 0) + increase / dt);
      }
      for (const [key, v] of sums) {
        if (!out.has(key)) out.set(key, new Array<number | null>(n).fill(null));
        out.get(key)![i] = v;
      }
    });
    return out;
  }

  /** `histogram_quantile(q, sum by (le, by) (rate(name_bucket[WINDOW])))`, as Prometheus interpolates it. */
  quantile(q: number, name: string, by: readonly string[]): Map<string, Points> {
    const rates = this.rate(`${name}_bucket`, [...by, 'le']);
    const groups = new Map<string, { le: number; points: Points }[]>();
    for (const [key, points] of rates) {
      const values = JSON.parse(key) as string[];
      const le = values.pop()!;
      const group = JSON.stringify(values);
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group)!.push({ le: le === '+Inf' ? Infinity : Number(le), points });
    }
    const out = new Map<string, Points>();
    for (const [group, buckets] of groups) {
      buckets.sort((a, b) => a.le - b.le);
      const points = this.times.map((_, i) => {
        const counts = buckets.map((b) => b.points[i] ?? null);
        if (counts.some((c) => c === null)) return null;
        const total = counts[counts.length - 1] as number;
        if (!(total > 0)) return null;
        const rank = q * total;
        for (let k = 0; k < buckets.length; k++) {
          const c = counts[k] as number;
          if (c >= rank) {
            if (buckets[k]!.le === Infinity) return buckets[k - 1]?.le ?? null;
            const lower = k === 0 ? 0 : buckets[k - 1]!.le;
            const below = k === 0 ? 0 : (counts[k - 1] as number);
            return c === below ? lower : lower + ((buckets[k]!.le - lower) * (rank - below)) / (c - below);
          }
        }
        return null;
      });
      out.set(group, points);
    }
    return out;
  }

  /** `agg by (by) (name)` of a gauge at each scrape. */
  gauge(name: string, by: readonly string[], agg: 'sum' | 'max' = 'sum'): Map<string, Points> {
    const out = new Map<string, Points>();
    const n = this.scrapes.length;
    this.scrapes.forEach((s, i) => {
      for (const sample of s.samples) {
        if (sample.name !== name) continue;
        const key = History.keyOf(sample.labels, by);
        if (!out.has(key)) out.set(key, new Array<number | null>(n).fill(null));
        const points = out.get(key)!;
        const was = points[i];
        points[i] =
          was == null ? sample.value : agg === 'sum' ? was + sample.value : Math.max(was, sample.value);
      }
    });
    return out;
  }

  has(name: string): boolean {
    return this.scrapes.some((s) => s.samples.some((m) => m.name === name));
  }
}

/** Lines from grouped points: labels from a legend format, all-zero (or empty) lines dropped, times `factor`. */
function lines(groups: Map<string, Points>, by: readonly string[], legend: string, factor = 1): Line[] {
  const out: Line[] = [];
  for (const [key, points] of groups) {
    const values = JSON.parse(key) as string[];
    let label = legend;
    by.forEach((name, i) => (label = label.replaceAll(`{{${name}}}`, values[i] ?? '')));
    const scaled = points.map((p) => (p === null ? null : p * factor));
    if (scaled.every((p) => p === null || p === 0)) continue;
    out.push({ label: label.trim(), points: scaled });
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

// ---------------------------------------------------------------------------------------------------------------
// The panels: each dashboard panel's PromQL, computed from the scrapes

interface Figure {
  kind: 'lines' | 'stat' | 'note';
  unit: 's' | 'short' | 'reqps';
  lines: Line[];
  /** Shown when there are no lines (what the run did not produce, and why). */
  empty?: string;
  /**
   * Stacked, as the dashboard panel says (`stacking.mode: normal`): each line on top of the ones before it, filled,
   * so that series with the same values (every target told of the same event) do not hide one another.
   */
  stacked?: boolean;
}

const FIGURES: Readonly<Record<string, (h: History) => Figure>> = {
  'Fleet poll duration (p50, p95)': (h) => ({
    kind: 'lines',
    unit: 's',
    lines: [
      ...lines(h.quantile(0.5, 'powerdeck_fleet_poll_duration_seconds', []), [], 'p50'),
      ...lines(h.quantile(0.95, 'powerdeck_fleet_poll_duration_seconds', []), [], 'p95'),
    ],
  }),
  'Fleet polls by outcome': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: lines(
      h.rate('powerdeck_fleet_poll_duration_seconds_count', ['outcome']),
      ['outcome'],
      '{{outcome}}',
      60,
    ),
  }),
  'Last successful poll age': (h) => ({
    kind: 'stat',
    unit: 's',
    lines: lines(h.gauge('powerdeck_fleet_last_successful_poll_age_seconds', [], 'max'), [], 'age'),
  }),
  'VergeOS requests by route and status': (h) => ({
    kind: 'lines',
    unit: 'reqps',
    lines: lines(
      h.rate('powerdeck_upstream_requests_total', ['route', 'status']),
      ['route', 'status'],
      '{{route}} {{status}}',
    ),
  }),
  'VergeOS answer time by route (p95)': (h) => ({
    kind: 'lines',
    unit: 's',
    lines: lines(
      h.quantile(0.95, 'powerdeck_upstream_request_duration_seconds', ['route']),
      ['route'],
      '{{route}}',
    ),
  }),
  'Power actions by action and outcome': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: lines(
      h.rate('powerdeck_power_actions_total', ['action', 'outcome']),
      ['action', 'outcome'],
      '{{action}} {{outcome}}',
      60,
    ),
  }),
  'Operation duration by action (p95)': (h) => ({
    kind: 'lines',
    unit: 's',
    lines: lines(
      h.quantile(0.95, 'powerdeck_operation_duration_seconds', ['action']),
      ['action'],
      '{{action}}',
    ),
  }),
  'Step duration by step and outcome (p95)': (h) => ({
    kind: 'lines',
    unit: 's',
    lines: lines(
      h.quantile(0.95, 'powerdeck_operation_step_duration_seconds', ['action', 'outcome']),
      ['action', 'outcome'],
      '{{action}} {{outcome}}',
    ),
  }),
  'Escalations and step timeouts': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: [
      ...lines(
        h.rate('powerdeck_operation_escalations_total', ['trigger']),
        ['trigger'],
        'escalation {{trigger}}',
        WINDOW_S,
      ),
      ...lines(
        h.rate('powerdeck_operation_step_timeouts_total', ['action']),
        ['action'],
        'timeout {{action}}',
        WINDOW_S,
      ),
    ],
  }),
  'Operations by action and status': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: lines(
      h.rate('powerdeck_operation_duration_seconds_count', ['action', 'status']),
      ['action', 'status'],
      '{{action}} {{status}}',
      60,
    ),
  }),
  'Event-stream clients': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: lines(h.gauge('powerdeck_sse_clients', ['stream']), ['stream'], '{{stream}}'),
  }),
  'Sign-ins by outcome': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: lines(
      h.rate('powerdeck_sign_ins_total', ['method', 'outcome']),
      ['method', 'outcome'],
      '{{method}} {{outcome}}',
      60,
    ),
  }),
  'HTTP answers by status class': (h) => ({
    kind: 'lines',
    unit: 'reqps',
    lines: lines(
      h.rate('powerdeck_http_requests_total', ['status_class']),
      ['status_class'],
      '{{status_class}}',
    ),
  }),
  'Alert deliveries by target kind and outcome': (h) => ({
    kind: 'lines',
    unit: 'short',
    lines: lines(
      h.rate('powerdeck_alert_deliveries_total', ['target_kind', 'outcome']),
      ['target_kind', 'outcome'],
      '{{target_kind}} {{outcome}}',
      60,
    ),
  }),
  'Leader per server': (h) => ({
    kind: 'note',
    unit: 'short',
    lines: lines(h.gauge('powerdeck_leader', []), [], 'leader'),
    empty: h.has('powerdeck_leader')
      ? ''
      : 'One server in this run: powerdeck_leader is exported only when several servers share a database.',
  }),
};

// ---------------------------------------------------------------------------------------------------------------
// Drawing

const COLORS = [
  '#73BF69',
  '#F2CC0C',
  '#5794F2',
  '#FF9830',
  '#F2495C',
  '#B877D9',
  '#8AB8FF',
  '#FADE2A',
  '#37872D',
  '#C4162A',
];

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function formatValue(v: number, unit: Figure['unit']): string {
  // Three significant figures at most, no trailing zeros (0.25, 2.5, 41.7, 250).
  const n = (x: number) => (x >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(3))));
  if (unit === 's') {
    if (v === 0) return '0 s';
    if (v < 1) return `${n(v * 1000)} ms`;
    if (v >= 120) return `${n(v / 60)} min`;
    return `${n(v)} s`;
  }
  if (v === 0) return '0';
  return unit === 'reqps' ? `${n(v)} req/s` : n(v);
}

function chart(fig: Figure, times: number[], width: number, height: number): string {
  const pad = { left: 62, right: 10, top: 8, bottom: 22 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const layers = fig.stacked ? stack(fig.lines) : fig.lines.map((line) => ({ line, base: null }));
  const values = layers.flatMap((l) => l.line.points.filter((p): p is number => p !== null));
  // Round ticks (1, 2, 2.5 or 5 times a power of ten), four or so of them.
  const highest = values.length === 0 ? 0 : Math.max(...values);
  const raw = highest > 0 ? highest / 4 : 0.25;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= raw)!;
  const ticks = Math.max(1, Math.ceil(highest / step));
  const max = step * ticks;
  const t0 = times[0] ?? 0;
  const t1 = times[times.length - 1] ?? 1;
  const x = (t: number) => pad.left + ((t - t0) / (t1 - t0 || 1)) * w;
  const y = (v: number) => pad.top + h - (v / max) * h;
  const parts: string[] = [];
  for (let k = 0; k <= ticks; k++) {
    const v = step * k;
    parts.push(
      `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="#2a2d33"/>`,
      `<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end">${esc(formatValue(v, fig.unit))}</text>`,
    );
  }
  for (let t = 0; t <= t1 - t0; t += 30) {
    const label = `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
    parts.push(`<text x="${x(t0 + t)}" y="${height - 6}" text-anchor="middle">${label}</text>`);
  }
  layers.forEach(({ line, base }, i) => {
    const color = COLORS[i % COLORS.length];
    if (base !== null) {
      parts.push(area(line.points, base, times, x, y, color));
      return;
    }
    let d = '';
    let run = 0;
    line.points.forEach((p, j) => {
      if (p === null) {
        run = 0;
        return;
      }
      d += `${run === 0 ? 'M' : 'L'}${x(times[j]!).toFixed(1)},${y(p).toFixed(1)}`;
      run++;
      // A lone point (an event in a sparse series) is drawn as a dot.
      const next = line.points[j + 1];
      if (run === 1 && (next === null || next === undefined)) {
        parts.push(`<circle cx="${x(times[j]!).toFixed(1)}" cy="${y(p).toFixed(1)}" r="2" fill="${color}"/>`);
      }
    });
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
  });
  return `<svg width="${width}" height="${height}" font-size="10" fill="#9fa7b3">${parts.join('')}</svg>`;
}

/** Stacked layers: each line's points raised by the lines before it (null only where no line has a value). */
function stack(lines: Line[]): { line: Line; base: Points }[] {
  const n = lines[0]?.points.length ?? 0;
  let base: Points = Array.from({ length: n }, (_, j) => (lines.some((l) => l.points[j] != null) ? 0 : null));
  return lines.map((line) => {
    const below = base;
    const top = line.points.map((p, j) => (below[j] == null ? null : below[j] + (p ?? 0)));
    base = top;
    return { line: { label: line.label, points: top }, base: below };
  });
}

/** One stacked layer: filled between its base and its top, over each run of points that have values. */
function area(
  top: Points,
  base: Points,
  times: number[],
  x: (t: number) => number,
  y: (v: number) => number,
  color: string | undefined,
): string {
  let d = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    // A lone point is widened to a second on each side, so that it shows.
    const xs =
      run.length === 1 ? [x(times[run[0]!]! - 1), x(times[run[0]!]! + 1)] : run.map((j) => x(times[j]!));
    const js = run.length === 1 ? [run[0]!, run[0]!] : run;
    d += js.map((j, k) => `${k === 0 ? 'M' : 'L'}${xs[k]!.toFixed(1)},${y(top[j]!).toFixed(1)}`).join('');
    d += [...js.keys()]
      .reverse()
      .map((k) => `L${xs[k]!.toFixed(1)},${y(base[js[k]!]!).toFixed(1)}`)
      .join('');
    d += 'Z';
    run = [];
  };
  top.forEach((p, j) => {
    if (p === null) flush();
    else run.push(j);
  });
  flush();
  return `<path d="${d}" fill="${color}" fill-opacity="0.6" stroke="none"/>`;
}

function legend(fig: Figure): string {
  const shown = fig.lines.slice(0, 12);
  const more = fig.lines.length - shown.length;
  return `<div class="legend">${shown
    .map((l, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(l.label)}</span>`)
    .join('')}${more > 0 ? `<span>+${more} more</span>` : ''}</div>`;
}

interface GrafanaPanel {
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { custom?: { stacking?: { mode?: string } } } };
}

function page(
  dashboard: { title: string; panels: GrafanaPanel[] },
  history: History,
  caption: string,
): string {
  const unitW = 1560 / 24;
  const unitH = 34;
  const times = history.times;
  const cells = dashboard.panels.map((p) => {
    const left = p.gridPos.x * unitW;
    const top = p.gridPos.y * unitH;
    const width = p.gridPos.w * unitW - 8;
    const height = p.gridPos.h * unitH - 8;
    const style = `left:${left}px;top:${top}px;width:${width}px;height:${height}px`;
    if (p.type === 'row') return `<div class="row" style="${style}">${esc(p.title)}</div>`;
    const make = FIGURES[p.title];
    if (!make) throw new Error(`the dashboard panel "${p.title}" has no figure in this script: add one`);
    const fig = make(history);
    fig.stacked = p.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal';
    let body: string;
    if (fig.lines.length === 0) {
      body = `<div class="empty">${esc(fig.empty ?? 'No data')}</div>`;
    } else if (fig.kind === 'stat') {
      const points = fig.lines[0]!.points;
      const last = [...points].reverse().find((p) => p !== null) ?? 0;
      const worst = Math.max(...points.filter((p): p is number => p !== null));
      const color = last > 300 ? '#F2495C' : last > 30 ? '#FF9830' : '#73BF69';
      body = `<div class="stat" style="background:${color}">${esc(formatValue(last, 's'))}<small>now · at most ${esc(
        formatValue(worst, 's'),
      )} during the run</small></div>${chart(fig, times, width - 16, height - 140)}`;
    } else {
      body = chart(fig, times, width - 16, height - 70) + legend(fig);
    }
    return `<div class="panel" style="${style}"><h3>${esc(p.title)}</h3>${body}</div>`;
  });
  const bottom = Math.max(...dashboard.panels.map((p) => (p.gridPos.y + p.gridPos.h) * unitH));
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #111217; color: #ccccdc; font: 13px/1.4 Inter, "Helvetica Neue", Arial, sans-serif; }
  header { padding: 16px 20px 8px; }
  header h1 { font-size: 18px; margin: 0 0 4px; font-weight: 500; }
  header p { margin: 0; color: #9fa7b3; }
  .grid { position: relative; margin: 8px 20px 20px; height: ${bottom}px; }
  .panel, .row { position: absolute; box-sizing: border-box; }
  .panel { background: #181b1f; border: 1px solid #2a2d33; border-radius: 2px; padding: 6px 8px; overflow: hidden; }
  .panel h3 { margin: 0 0 4px; font-size: 13px; font-weight: 500; color: #d8d9da; }
  .row { font-size: 15px; font-weight: 500; padding-top: 6px; color: #d8d9da; }
  .legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 11px; color: #9fa7b3; margin-top: 2px; }
  .legend i { display: inline-block; width: 12px; height: 3px; margin-right: 5px; vertical-align: middle; }
  .stat { color: #fff; font-size: 40px; font-weight: 500; text-align: center; padding: 10px 0; margin-bottom: 6px; }
  .stat small { display: block; font-size: 12px; font-weight: 400; }
  .empty { color: #9fa7b3; display: flex; align-items: center; justify-content: center; height: 80%; text-align: center; padding: 0 20px; }
  </style></head><body><header><h1>${esc(dashboard.title)}</h1><p>${esc(caption)}</p></header>
  <div class="grid">${cells.join('')}</div></body></html>`;
}

// ---------------------------------------------------------------------------------------------------------------
// The run

async function main() {
  const dashboard = JSON.parse(readFileSync(join(root, 'docs/grafana/powerdeck.json'), 'utf8')) as {
    title: string;
    panels: GrafanaPanel[];
  };
  // Before the run: every panel must have its figure.
  for (const p of dashboard.panels) {
    if (p.type !== 'row' && !FIGURES[p.title])
      throw new Error(`the panel "${p.title}" has no figure in this script`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'pd-metrics-shot-'));
  const token = `shot-${crypto.randomUUID()}`;
  const tokenFile = join(dataDir, 'metrics.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const sim = await createSimulator({ vms: VMS, timeScale: TIME_SCALE, seed: 19 });
  let bff: ChildProcess | null = null;
  const streams: { close: () => void }[] = [];
  const receivers: Receiver[] = [];
  try {
    // A webhook receiver having trouble (every other request answers 500: that try is retried), one whose hook was
    // deleted on its side (410 Gone: given up at once), Slack's and an SMTP server that take everything.
    const flaky = await httpReceiver((n) => (n % 2 === 1 ? 500 : 200));
    const gone = await httpReceiver(() => 410);
    const slack = await httpReceiver(() => 200);
    const mail = await smtpReceiver();
    receivers.push(flaky, gone, slack, mail);

    const started = await startBff(sim, dataDir, tokenFile);
    bff = started.child;
    const { origin, password } = started;
    console.log(`BFF at ${origin}, simulator at ${sim.url} (time scale ${TIME_SCALE}); running ${RUN_S} s`);

    const admin = (await signIn(origin, 'admin', password))!;
    const people = 'people-password-2030';
    for (const [username, role] of [
      ['helpdesk', 'helpdesk'],
      ['viewer', 'viewer'],
    ] as const) {
      await admin.request('POST', '/api/users', { username, role, password: people });
    }
    const helpdesk = (await signIn(origin, 'helpdesk', people))!;
    const link = (await (await admin.request('POST', '/api/display-links', { name: 'NOC wall' })).json()) as {
      secret: string;
    };
    // The alert targets, as an admin adds them on the Alerts page. Each hears something else, so that the panel's
    // lines do not all lie on one another: the webhook and Slack every event, the old pager hook VMs down only, the
    // mail warnings and worse (no "back up").
    const target = async (body: Record<string, unknown>): Promise<string> => {
      const res = await admin.request('POST', '/api/alerts/targets', body);
      if (res.status !== 201) throw new Error(`POST /api/alerts/targets: ${res.status} ${await res.text()}`);
      return ((await res.json()) as AlertTargetCreated).target.id;
    };
    const opsHook = await target({ name: 'Ops webhook', kind: 'webhook', webhook: { url: flaky.url } });
    const oldHook = await target({
      name: 'Old pager hook',
      kind: 'webhook',
      webhook: { url: gone.url },
      events: ['vm_down'],
    });
    const slackOps = await target({ name: 'Slack #ops', kind: 'slack', slack: { url: slack.url } });
    const opsMail = await target({
      name: 'Ops mail',
      kind: 'email',
      minSeverity: 'warning',
      email: {
        host: '127.0.0.1',
        port: mail.port,
        security: 'none',
        from: 'powerdeck@example.test',
        to: ['ops@example.test'],
      },
    });
    /** "Send test" on each of these targets (sent whatever the target's matchers). */
    const sendTests = async (...ids: string[]) => {
      for (const id of ids) {
        const res = await admin.request('POST', `/api/alerts/targets/${id}/test`);
        if (res.status !== 202) throw new Error(`send test: ${res.status} ${await res.text()}`);
      }
    };

    // Scrape every second, with the token, as Prometheus would.
    const history = new History();
    const t0 = Date.now();
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const at = Date.now();
        const res = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
        history.scrapes.push({ t: (at - t0) / 1000, samples: seriesOf(await res.text()) });
        await sleep(Math.max(0, 1000 - (Date.now() - at)));
      }
    })();

    const fleet = async () =>
      (
        (await (await admin.request('GET', '/api/fleet')).json()) as {
          vms: { key: number; status: string }[];
        }
      ).vms;
    const keys = async (status: string, n: number) =>
      (await fleet())
        .filter((v) => v.status === status)
        .slice(0, n)
        .map((v) => v.key);
    const operation = async (body: Record<string, unknown>) => {
      const res = await admin.request('POST', '/api/operations', {
        reason: 'metrics screenshot run',
        ...body,
      });
      if (res.status !== 201) throw new Error(`POST /api/operations: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    const action = (who: Client, vm: number, act: string, extra: Record<string, string> = {}) =>
      who.request('POST', '/api/v4/vm_actions', { vm, action: act }, extra);
    const at = async (s: number) => {
      const wait = t0 + s * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
    };
    const scale = RUN_S / 180;

    // Background: people signing in now and then, a script reading the fleet through the VergeOS routes.
    const background = (async () => {
      let i = 0;
      while (Date.now() - t0 < RUN_S * 1000 - 2000) {
        i++;
        await signIn(origin, i % 3 === 0 ? 'viewer' : 'helpdesk', people);
        const login = await new Client(origin).request('POST', '/api/sys/tokens', {
          login: 'viewer',
          password: people,
        });
        if (login.ok) {
          const { $key } = (await login.json()) as { $key: string };
          const script = new Client(origin, { authorization: `Bearer ${$key}` });
          await script.request('GET', '/api/v4/vms?fields=name,machine');
          await script.request('GET', '/api/v4/machine_status');
        }
        await sleep(6000 * scale);
      }
    })();

    // The timeline (in seconds of a 180 s run; scaled for other lengths).
    const plan = async () => {
      const wall = await new Client(origin).request('POST', '/api/display-session', { secret: link.secret });
      const wallCookie = (wall.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      streams.push(new Client(origin, { cookie: wallCookie }).stream('/api/fleet/events'));
      const adminFleet = admin.stream('/api/fleet/events');
      streams.push(adminFleet);

      await at(5 * scale);
      const adminOps = admin.stream('/api/operations/events');
      streams.push(adminOps);
      await at(10 * scale);
      const [stopped] = await keys('stopped', 1);
      if (stopped !== undefined) await action(admin, stopped, 'poweron');
      await at(15 * scale);
      // An admin checks each alert target just added ("Send test"), and later one or another again.
      await sendTests(opsHook, oldHook, slackOps, opsMail);
      await at(20 * scale);
      for (let k = 0; k < 2; k++) await signIn(origin, 'helpdesk', 'not the password');
      await at(25 * scale);
      const [victim] = await keys('running', 1);
      if (victim !== undefined) await action(admin, victim, 'kill');

      await at(30 * scale);
      // A shut down of five VMs, one of whose guests ignores it: forced off at 15 s (an escalation).
      const group = await keys('running', 5);
      if (group[0] !== undefined) await simControl(sim, `vms/${group[0]}`, { ignores_acpi: true }, 'PUT');
      await operation({ action: 'shutdown', vms: group, forceAfterS: 15 });
      await at(35 * scale);
      // A failed action: starting a VM that runs (VergeOS's 409).
      const [running] = await keys('running', 1);
      if (running !== undefined) await action(admin, running, 'poweron');
      await at(40 * scale);
      // Two VMs stop outside Powerdeck (a guest crash, someone in VergeOS's own UI): "down unexpectedly", alerted
      // after the 30 s group wait. The last ones listed, so that nothing else in this run picks them.
      const crashed = (await keys('running', VMS)).slice(-2);
      for (const key of crashed) await simControl(sim, `vms/${key}`, { status: 'stopped' }, 'PUT');
      await at(45 * scale);
      // A force off the help desk may not send: refused before VergeOS.
      if (running !== undefined) await action(helpdesk, running, 'kill', { [REASON_HEADER]: 'caller asked' });
      await at(60 * scale);
      await sendTests(opsHook);

      await at(70 * scale);
      if (group[0] !== undefined) await simControl(sim, `vms/${group[0]}`, { ignores_acpi: false }, 'PUT');
      await operation({ action: 'start', vms: group });
      await at(80 * scale);
      await simControl(sim, 'scenario', { name: 'unavailable' });
      await at(92 * scale);
      await simControl(sim, 'scenario', { name: 'none' });
      await at(96 * scale);
      // Someone guessing the password of a name until it is locked (5 failures; a name nobody signs in with, since a
      // success would start its count again).
      for (let k = 0; k < 7; k++) await signIn(origin, 'operator', `guess-${k}-wrong-password`);
      await at(100 * scale);
      await operation({ action: 'reboot', vms: await keys('running', 4) });
      await at(105 * scale);
      await sendTests(slackOps);
      await at(115 * scale);
      // VergeOS slow for a while: polls and answers take longer.
      await simControl(sim, 'scenario', { name: 'slow', latencyMs: 700 });
      await at(125 * scale);
      // A shut down whose guest ignores it, without escalation: that VM times out, the operation fails.
      const stubborn = await keys('running', 3);
      if (stubborn[0] !== undefined)
        await simControl(sim, `vms/${stubborn[0]}`, { ignores_acpi: true }, 'PUT');
      await operation({ action: 'shutdown', vms: stubborn, timeoutS: 10 });
      await at(130 * scale);
      await simControl(sim, 'scenario', { name: 'none' });
      await at(140 * scale);
      const [held] = (await keys('running', 1)) as [number?];
      if (held !== undefined) {
        await simControl(sim, `vms/${held}`, { ignores_acpi: true }, 'PUT');
        const id = await operation({ action: 'shutdown', vms: [held], forceAfterS: 120 });
        await at(150 * scale);
        await admin.request('POST', `/api/operations/${id}/vms/${held}/force`);
      }
      await at(155 * scale);
      adminOps.close();
      await sendTests(opsMail);
      await at(160 * scale);
      for (const key of [...stubborn, ...(held !== undefined ? [held] : [])]) {
        await simControl(sim, `vms/${key}`, { ignores_acpi: false }, 'PUT');
      }
      // The two that went down unexpectedly among them: running again, each is "back up".
      const down = [...new Set([...crashed, ...(await keys('stopped', 12))])];
      if (down.length > 0) await operation({ action: 'start', vms: down, parallelism: 8 });
      await at(170 * scale);
      adminFleet.close();
    };
    await plan();
    await at(RUN_S);
    scraping = false;
    await scraper;
    await background;

    const caption =
      `The dashboard's figures, plotted from a simulated run: ${Math.round(RUN_S / 60)} minutes against the ` +
      `simulator (${VMS} VMs, time scale ${TIME_SCALE}), GET /metrics scraped every second, rates over ${WINDOW_S} s. ` +
      'Not Grafana: the same queries, computed from the scrapes.';
    const html = page(dashboard, history, caption);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const view = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
      await view.setContent(html);
      mkdirSync(dirname(OUT), { recursive: true });
      await view.screenshot({ path: OUT, fullPage: true });
    } finally {
      await browser.close();
    }
    console.log(`wrote ${OUT} (${history.scrapes.length} scrapes)`);
    // What the run added up to (the last scrape's counters), to check the picture against.
    const last = history.scrapes[history.scrapes.length - 1]!.samples;
    for (const name of [
      'powerdeck_power_actions_total',
      'powerdeck_operation_escalations_total',
      'powerdeck_operation_step_timeouts_total',
      'powerdeck_sign_ins_total',
      'powerdeck_operation_duration_seconds_count',
      'powerdeck_alert_deliveries_total',
    ]) {
      const moved = last.filter((m) => m.name === name && m.value > 0);
      console.log(
        `${name}: ${moved.map((m) => `${Object.values(m.labels).join('/')}=${m.value}`).join(', ')}`,
      );
    }
    console.log(
      `received: ops webhook ${flaky.received} requests, old webhook ${gone.received}, Slack ${slack.received}, ` +
        `e-mail ${mail.received} messages`,
    );
  } finally {
    for (const s of streams) s.close();
    if (bff) await stopProcess(bff);
    // After the BFF: a try under way still gets its answer.
    for (const r of receivers) await r.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
