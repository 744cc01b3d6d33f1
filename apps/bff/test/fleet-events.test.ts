// GET /api/fleet/events over real HTTP (127.0.0.1, port 0): the snapshot on connect, each change, heartbeats,
// listeners removed on disconnect, streams ended promptly when the app closes.
import { EventEmitter } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { SseStream, formatEvent } from '../src/fleet/sse';
import {
  WAIT,
  buildTestApp,
  firstPoll,
  onCleanup,
  putVm,
  startTestSim,
  upstreamFor,
  type TestApp,
} from './support';

interface Block {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

function parseBlock(text: string): Block {
  const block: Block = { comments: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) block.comments.push(line.slice(1).trim());
    else {
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event' || field === 'id' || field === 'data' || field === 'retry') block[field] = value;
    }
  }
  return block;
}

/** An event-stream client on node:http: every block received, in order. */
async function connect(app: TestApp) {
  const { port } = app.server.address() as AddressInfo;
  const blocks: Block[] = [];
  let ended = false;
  const agent = new http.Agent({ keepAlive: false });
  const { req, res } = await new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>(
    (resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/api/fleet/events',
          agent,
          headers: { accept: 'text/event-stream', ...app.adminHeaders },
        },
        (res) => resolve({ req, res }),
      );
      req.on('error', reject);
    },
  );
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      blocks.push(parseBlock(buffer.slice(0, end)));
      buffer = buffer.slice(end + 2);
    }
  });
  res.on('close', () => (ended = true));
  res.on('error', () => (ended = true));
  onCleanup(() => req.destroy());
  return {
    res,
    req,
    blocks,
    events: () => blocks.filter((b) => b.event !== undefined),
    ended: () => ended,
  };
}

async function listening(app: FastifyInstance) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  await firstPoll(app);
}

describe('GET /api/fleet/events', () => {
  it('sends the current snapshot first, then each change, with the ETag as id', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await listening(app);
    const client = await connect(app);
    expect(client.res.statusCode).toBe(200);
    expect(client.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.res.headers['cache-control']).toBe('no-cache, no-transform');

    await vi.waitFor(() => expect(client.events()).toHaveLength(1), WAIT);
    expect(client.blocks[0]?.retry).toBe('3000');
    const first = client.events()[0];
    expect(first?.event).toBe('snapshot');
    expect(first?.id).toBe(app.fleet.current().etag);
    expect(first?.data).toBe(app.fleet.current().body);
    const snapshot = JSON.parse(first?.data ?? '') as FleetSnapshot;
    expect(snapshot.vms.find((v) => v.key === 42)?.machine).toBe(54);

    // A poll that changes nothing sends nothing.
    app.fleet.wake();
    await vi.waitFor(() => expect(app.fleet.status()).toMatchObject({ polls: 2, polling: false }), WAIT);

    await putVm(sim, 1, { status: 'stopped' });
    app.fleet.wake();
    await vi.waitFor(() => expect(client.events()).toHaveLength(2), WAIT);
    const second = client.events()[1];
    expect(second?.event).toBe('snapshot');
    expect(second?.id).toBe(app.fleet.current().etag);
    expect(second?.id).not.toBe(first?.id);
    const changed = JSON.parse(second?.data ?? '') as FleetSnapshot;
    expect(changed.vms.find((v) => v.key === 1)?.status).toBe('stopped');
  });

  it('sends a heartbeat comment between events', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 60_000 },
      heartbeatMs: 30,
    });
    await listening(app);
    const client = await connect(app);
    await vi.waitFor(() => {
      expect(client.blocks.filter((b) => b.comments.includes('heartbeat')).length).toBeGreaterThanOrEqual(2);
    }, WAIT);
    expect(client.events()).toHaveLength(1);
  });

  it('removes the listener when the client disconnects', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), {
      closeAfterTest: true,
      poll: { intervalMs: 60_000 },
      heartbeatMs: 20,
    });
    await listening(app);
    // The app's own subscribers (recent stops) are there before any stream.
    const own = app.fleet.status().subscribers;
    const a = await connect(app);
    const b = await connect(app);
    await vi.waitFor(() => expect(app.fleet.status().subscribers - own).toBe(2), WAIT);
    a.req.destroy();
    await vi.waitFor(() => expect(app.fleet.status().subscribers - own).toBe(1), WAIT);
    b.res.destroy();
    await vi.waitFor(() => expect(app.fleet.status().subscribers - own).toBe(0), WAIT);
    // Changes after the disconnects reach no one and break nothing.
    await putVm(sim, 1, { status: 'stopped' });
    app.fleet.wake();
    await vi.waitFor(
      () => expect(app.fleet.current().snapshot.vms.find((v) => v.key === 1)?.status).toBe('stopped'),
      WAIT,
    );
    const c = await connect(app);
    await vi.waitFor(() => expect(c.events()).toHaveLength(1), WAIT);
    expect(c.events()[0]?.id).toBe(app.fleet.current().etag);
  });

  it('ends every stream promptly when the app closes', async () => {
    const sim = await startTestSim();
    const app = await buildTestApp(upstreamFor(sim), { closeAfterTest: true, poll: { intervalMs: 60_000 } });
    await listening(app);
    const own = app.fleet.status().subscribers;
    const clients = await Promise.all([connect(app), connect(app), connect(app)]);
    await vi.waitFor(() => expect(app.fleet.status().subscribers - own).toBe(3), WAIT);
    const t0 = Date.now();
    await app.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    await vi.waitFor(() => expect(clients.every((c) => c.ended())).toBe(true), WAIT);
    expect(app.fleet.status()).toMatchObject({ subscribers: 0, stopped: true, scheduled: false });
  });
});

describe('SseStream', () => {
  /** A response whose socket can be made "full". */
  function fakeResponse() {
    const res = Object.assign(new EventEmitter(), {
      writableNeedDrain: false,
      chunks: [] as string[],
      ended: false,
      writeHead: () => res,
      write(chunk: string) {
        res.chunks.push(chunk);
        return !res.writableNeedDrain;
      },
      end() {
        res.ended = true;
        res.emit('close');
      },
    });
    return res;
  }

  it('keeps only the latest event while the socket is full, and writes it on drain', () => {
    const res = fakeResponse();
    const stream = new SseStream(res as unknown as ServerResponse);
    stream.open({}, 3000);
    stream.send({ event: 'snapshot', id: '"1"', data: '{"n":1}' });
    res.writableNeedDrain = true;
    stream.send({ event: 'snapshot', id: '"2"', data: '{"n":2}' });
    stream.send({ event: 'snapshot', id: '"3"', data: '{"n":3}' });
    stream.comment('heartbeat');
    expect(res.chunks).toEqual(['retry: 3000\n\n', 'event: snapshot\nid: "1"\ndata: {"n":1}\n\n']);
    res.writableNeedDrain = false;
    res.emit('drain');
    expect(res.chunks.at(-1)).toBe('event: snapshot\nid: "3"\ndata: {"n":3}\n\n');
    expect(res.chunks).toHaveLength(3);

    let closed = 0;
    stream.onClose(() => (closed += 1));
    stream.end();
    stream.end();
    expect(res.ended).toBe(true);
    expect(closed).toBe(1);
    stream.send({ event: 'snapshot', id: '"4"', data: '{}' });
    expect(res.chunks).toHaveLength(3);
    // Line breaks cannot break the framing.
    expect(formatEvent({ event: 'x', id: 'a\nb', data: 'c\r\nd' })).toBe('event: x\nid: a b\ndata: c d\n\n');
  });
});
