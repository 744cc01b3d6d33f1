// A small server-sent-events writer on a raw Node response. Slow readers never make it buffer without bound: while
// the socket is full, only the latest event of each key is kept (one key for fleet snapshots; one per operation on
// the operations stream), and they are written when the socket drains.
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';

interface SseEvent {
  event: string;
  id: string;
  /** One line (JSON.stringify output has no line breaks). */
  data: string;
}

/** `id`, `event` and `data` must not break the framing. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function formatEvent(e: SseEvent): string {
  return `event: ${oneLine(e.event)}\nid: ${oneLine(e.id)}\ndata: ${oneLine(e.data)}\n\n`;
}

export class SseStream {
  private readonly pending = new Map<string, SseEvent>();
  private ended = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly res: ServerResponse) {
    res.on('drain', () => this.flushPending());
    const closed = () => this.finish();
    res.on('close', closed);
    res.on('error', closed);
  }

  /** Writes the status line and headers, and tells the browser how soon to reconnect after a drop. */
  open(headers: Record<string, string | number | string[]>, retryMs: number): void {
    this.res.writeHead(200, headers);
    this.write(`retry: ${Math.round(retryMs)}\n\n`);
  }

  get closed(): boolean {
    return this.ended;
  }

  /**
   * Sends an event now, or (while the socket is full) keeps it in place of any older pending one with the same
   * `key` (events that supersede each other share a key).
   */
  send(event: SseEvent, key = ''): void {
    if (this.ended) return;
    if (this.res.writableNeedDrain) {
      this.pending.delete(key);
      this.pending.set(key, event);
      return;
    }
    this.write(formatEvent(event));
  }

  /** A comment line (`: text`): keeps proxies and the browser from timing the stream out. */
  comment(text: string): void {
    if (this.ended || this.res.writableNeedDrain) return;
    this.write(`: ${oneLine(text)}\n\n`);
  }

  /** Called once when the stream ends, whoever ends it. */
  onClose(listener: () => void): void {
    if (this.ended) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the response (the server is closing). */
  end(): void {
    if (this.ended) return;
    this.res.end();
    this.finish();
  }

  private write(chunk: string): void {
    this.res.write(chunk);
  }

  private flushPending(): void {
    const events = [...this.pending.values()];
    this.pending.clear();
    if (!this.ended) for (const event of events) this.write(formatEvent(event));
  }

  private finish(): void {
    if (this.ended && this.closeListeners.length === 0) return;
    this.ended = true;
    this.pending.clear();
    const listeners = this.closeListeners.splice(0);
    for (const listener of listeners) listener();
  }
}

/**
 * Takes over a route's reply as an event stream: the stream is written by hand, the headers set by earlier hooks
 * (the security headers) are kept, and the event-stream headers are added (no caching, no proxy buffering).
 */
export function openSseStream(reply: FastifyReply, retryMs: number): SseStream {
  reply.hijack();
  const stream = new SseStream(reply.raw);
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  Object.assign(headers, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies: do not buffer the stream.
    'x-accel-buffering': 'no',
  });
  stream.open(headers, retryMs);
  return stream;
}
