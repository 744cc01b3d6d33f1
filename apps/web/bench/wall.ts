// The wall view over a day: does its memory stay flat? Builds the web app, starts a BFF on its embedded simulator
// (POWERDECK_DEMO_VMS VMs, as its own process, on 127.0.0.1 and a free port), makes a display link as the demo
// admin, opens it in Chromium (it lands on /wall), installs Playwright's clock, then drives HOURS of polling: the
// page's clock moves one poll interval at a time and each real poll is let finish before the next. Every 10
// simulated minutes three VMs that ran at the start are forced off through the BFF, and powered on again 10
// minutes later (so tiles change, and stops are listed); the run ends with the fleet as it began.
// Prints the JS heap (after a forced GC) and the DOM node count at the start, every few hours, and at the end.
//
//   pnpm bench wall [--hours 24] [--vms 500] [--step-ms 5000]
//
// Goal: heap growth under 10 MB over 24 h, DOM nodes constant.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { buildProduction } from '../build-production';

const { values: argv } = parseArgs({
  options: {
    hours: { type: 'string', default: '24' },
    vms: { type: 'string', default: '500' },
    'step-ms': { type: 'string', default: '5000' },
  },
});
const HOURS = Number(argv.hours);
const VMS = Number(argv.vms);
const STEP_MS = Number(argv['step-ms']);
if (!(HOURS > 0) || !Number.isInteger(VMS) || VMS < 1 || !(STEP_MS >= 1000)) {
  throw new Error('usage: wall.ts [--hours N>0] [--vms 1..10000] [--step-ms >=1000]');
}
/** Simulated time between two rounds of VM changes. */
const CHANGE_EVERY_MS = 10 * 60_000;
/** How often progress and memory are printed (simulated). */
const REPORT_EVERY_MS = Math.min(4 * 3_600_000, HOURS * 3_600_000);

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(webDir, '..', '..');
const PASSWORD = `bench-${crypto.randomUUID()}`;

function startBff(webRoot: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  // No VERGEOS_URL: the embedded simulator.
  const { VERGEOS_URL: _url, VERGEOS_API_KEY: _key, ...inherited } = process.env;
  const child = spawn('node', ['--import', 'tsx', 'apps/bff/src/server.ts'], {
    cwd: root,
    env: {
      ...inherited,
      PORT: '0',
      HOST: '127.0.0.1',
      POWERDECK_DEMO_VMS: String(VMS),
      POWERDECK_DEMO_PASSWORD: PASSWORD,
      POWERDECK_DEMO_TIME_SCALE: '0.05',
      POWERDECK_DATA_DIR: dataDir,
      POWERDECK_WEB_ROOT: webRoot,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the BFF did not start within 60 s:\n${out.slice(-2000)}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Powerdeck: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, url: m[1] ?? '' });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the BFF exited (${code}) before it was ready:\n${out.slice(-2000)}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The demo admin, from Node: signs in, and posts with the session cookie. */
async function adminClient(origin: string) {
  const res = await fetch(`${origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-powerdeck-csrf': '1' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`admin sign-in answered ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return async (path: string, body: unknown): Promise<Response> =>
    fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-powerdeck-csrf': '1', cookie },
      body: JSON.stringify(body),
    });
}

interface Sample {
  simHours: number;
  heapMb: number;
  domNodes: number;
  elements: number;
  listeners: number;
  polls: number;
}

async function sample(page: Page, cdp: CDPSession, simHours: number, polls: number): Promise<Sample> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  return {
    simHours,
    heapMb: metric('JSHeapUsedSize') / 1e6,
    domNodes: metric('Nodes'),
    elements,
    listeners: metric('JSEventListeners'),
    polls,
  };
}

function print(s: Sample): void {
  console.log(
    `${s.simHours.toFixed(1).padStart(6)} h  heap ${s.heapMb.toFixed(2).padStart(7)} MB  DOM nodes ${String(s.domNodes).padStart(6)}  elements ${String(s.elements).padStart(6)}  listeners ${String(s.listeners).padStart(5)}  polls ${s.polls}`,
  );
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'pd-bench-wall-'));
  const webRoot = join(tmp, 'web');
  console.log(`building the web app into ${webRoot}`);
  await buildProduction(webRoot);
  const bff = await startBff(webRoot, join(tmp, 'data'));
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
    const origin = bff.url.replace(/\/$/, '');
    const post = await adminClient(origin);
    const link = await post('/api/display-links', { name: 'bench wall' });
    if (link.status !== 201) throw new Error(`display link: ${link.status} ${await link.text()}`);
    const { path } = (await link.json()) as { path: string };

    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    // The real requests of the page's polls: one step waits for the polls it started. (Chromium reports a fetch
    // answered 304 as failed, net::ERR_ABORTED, after its response: the answers are counted by status.)
    let started = 0;
    let settled = 0;
    const isPoll = (url: string) => url.includes('/api/fleet');
    page.on('request', (r) => {
      if (isPoll(r.url())) started += 1;
    });
    const statuses = new Map<number, number>();
    page.on('response', (r) => {
      if (isPoll(r.url())) statuses.set(r.status(), (statuses.get(r.status()) ?? 0) + 1);
    });
    page.on('requestfinished', (r) => {
      if (isPoll(r.url())) settled += 1;
    });
    page.on('requestfailed', (r) => {
      if (isPoll(r.url())) {
        settled += 1;
      }
    });

    await page.clock.install();
    await page.goto(`${origin}${path}`);
    await page.waitForURL('**/wall');
    await page.getByRole('list', { name: 'Fleet totals' }).waitFor();
    await page
      .getByRole('listitem', { name: /: Running$/ })
      .first()
      .waitFor();
    const buttons = await page.locator('button').count();
    const { pollIntervalMs, running } = await page.evaluate(async () => {
      const r = await fetch('/api/fleet', { headers: { accept: 'application/json' } });
      const snap = (await r.json()) as { pollIntervalMs: number; vms: { key: number; status: string }[] };
      const keys = snap.vms.filter((v) => v.status === 'running').map((v) => v.key);
      return { pollIntervalMs: snap.pollIntervalMs, running: keys };
    });
    if (running.length < 3) throw new Error('the benchmark needs at least 3 running VMs');
    /** The VMs of a round of changes: three that were running at the start, in turn. */
    const vmsOf = (r: number) => [0, 1, 2].map((i) => running[((r >> 1) * 3 + i) % running.length] ?? 0);
    const runningLabel = async () =>
      page
        .getByRole('list', { name: 'Fleet totals' })
        .getByRole('listitem')
        .first()
        .getAttribute('aria-label');
    const runningAtStart = await runningLabel();
    console.log(
      `wall open: ${VMS} VMs, ${buttons} buttons in the DOM; BFF polls every ${pollIntervalMs} ms; page step ${STEP_MS} ms`,
    );

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const first = await sample(page, cdp, 0, 0);
    print(first);
    const samples = [first];

    const totalMs = HOURS * 3_600_000;
    let simMs = 0;
    let nextChange = CHANGE_EVERY_MS;
    let nextReport = REPORT_EVERY_MS;
    let round = 0;
    let missed = 0;
    while (simMs < totalMs) {
      const before = settled;
      await page.clock.runFor(STEP_MS);
      simMs += STEP_MS;
      // Let the polls this step started finish (at most 2 s of real time).
      const deadline = performance.now() + 2000;
      while ((settled === before || started > settled) && performance.now() < deadline) await sleep(2);
      if (settled === before) missed += 1;
      if (simMs >= nextChange) {
        nextChange += CHANGE_EVERY_MS;
        // Power three running VMs off, and on again next round: tiles change, stops come and go.
        const action = round % 2 === 0 ? 'kill' : 'poweron';
        for (const vm of vmsOf(round)) await post('/api/v4/vm_actions', { vm, action });
        round += 1;
      }
      if (simMs >= nextReport || simMs >= totalMs) {
        nextReport += REPORT_EVERY_MS;
        const s = await sample(page, cdp, simMs / 3_600_000, started);
        print(s);
        samples.push(s);
      }
    }
    // End where it started: the VMs of an unfinished round powered on again (the same statuses as at the start,
    // so the same icons; a VM may come back on another node), then one more sample.
    if (round % 2 === 1)
      for (const vm of vmsOf(round - 1)) await post('/api/v4/vm_actions', { vm, action: 'poweron' });
    let extra = 0;
    const restoreBy = performance.now() + 30_000;
    do {
      await page.clock.runFor(STEP_MS);
      extra += 1;
      await sleep(500);
    } while ((await runningLabel()) !== runningAtStart && performance.now() < restoreBy);
    console.log(`restored: ${await runningLabel()} (at the start: ${runningAtStart})`);
    const last = await sample(page, cdp, (simMs + extra * STEP_MS) / 3_600_000, started);
    print(last);
    const stale = await page.getByRole('alert').count();
    const staleText = stale > 0 ? await page.getByRole('alert').first().innerText() : '';
    const end = samples[samples.length - 1] ?? last;
    console.log('');
    console.log(
      `simulated ${HOURS} h in ${((performance.now() - t0) / 1000).toFixed(0)} s real: ${started} poll requests (${started - [...statuses.values()].reduce((a, b) => a + b, 0)} without an answer, ${missed} steps without a finished poll)`,
    );
    console.log(
      `heap: start ${first.heapMb.toFixed(2)} MB, end ${end.heapMb.toFixed(2)} MB, growth ${(end.heapMb - first.heapMb).toFixed(2)} MB; after restoring the fleet ${last.heapMb.toFixed(2)} MB`,
    );
    console.log(
      `DOM nodes: start ${first.domNodes}, end ${end.domNodes}, after restoring ${last.domNodes}; elements: start ${first.elements}, end ${end.elements}, after restoring ${last.elements}`,
    );
    console.log(`answers by status: ${[...statuses].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    console.log(
      `STALE on screen at the end: ${stale > 0 ? `yes (${staleText.replace(/\s+/g, ' ')})` : 'no'}`,
    );
    await context.close();
  } finally {
    await browser.close();
    await stopProcess(bff.child);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
