// Real receivers for the alert tests: an HTTP server on 127.0.0.1 that records what it is sent and answers as the
// test says (or never), a real SMTP server (`smtp-server`) that records the messages it accepts, a throwaway CA
// with a certificate for 127.0.0.1, and a small reader of the received e-mail (headers, the text part). Each one
// is closed after the test.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { onCleanup } from './support';
import { testCa } from './test-ca';

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What the receiver answers: a status and body, or `hang` (accepts and never answers). */
export type Answer = { status: number; body?: string } | 'hang';

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Answers the next requests in turn; the last answer repeats. */
  answer(...answers: Answer[]): void;
}

export async function startReceiver(...answers: Answer[]): Promise<Receiver> {
  let queue: Answer[] = answers.length > 0 ? answers : [{ status: 200, body: 'ok' }];
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const a = queue.length > 1 ? queue.shift() : queue[0];
      if (a === undefined || a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'text/plain' });
      res.end(a.body ?? '');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    answer: (...next) => {
      queue = next;
    },
  };
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function webhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// SMTP

export interface SmtpReceiver {
  port: number;
  /** Each accepted message: its envelope and raw text. */
  messages: { from: string; to: string[]; raw: string }[];
  /** The user names that signed in. */
  signIns: string[];
}

/**
 * A real SMTP server on 127.0.0.1. With `users`, it asks for a sign-in and checks the password; `options` passes
 * smtp-server's own (TLS key and cert, `secure`, `hideSTARTTLS`, `disabledCommands`).
 */
export async function startSmtp(
  options: Partial<SMTPServerOptions> & { users?: Record<string, string> } = {},
): Promise<SmtpReceiver> {
  const { users, ...rest } = options;
  const messages: SmtpReceiver['messages'] = [];
  const signIns: string[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: users === undefined,
    // A sign-in over a plain connection is allowed for the tests that use none (a trusted LAN relay).
    allowInsecureAuth: true,
    ...rest,
    onAuth(auth, _session, cb) {
      const expected = users?.[auth.username ?? ''];
      if (expected === undefined || expected !== auth.password) {
        cb(new Error('Invalid username or password'));
        return;
      }
      signIns.push(auth.username ?? '');
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, signIns };
}

export interface ParsedMail {
  headers: Map<string, string>;
  text: string;
  html: string;
}

function decodePart(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  // Folded lines continue the header above them.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** A received message's headers and its text and HTML parts (multipart/alternative, as nodemailer writes it). */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHeaders(raw);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  let text = '';
  let html = '';
  if (boundary === undefined) {
    text = decodePart(headers, body);
  } else {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHeaders(chunk.replace(/^\r?\n/, ''));
      const partType = part.headers.get('content-type') ?? '';
      if (partType.startsWith('text/plain')) text = decodePart(part.headers, part.body);
      if (partType.startsWith('text/html')) html = decodePart(part.headers, part.body);
    }
  }
  return { headers, text, html };
}

// ---------------------------------------------------------------------------------------------
// TLS

/** A throwaway CA (an "internal CA") and a certificate for 127.0.0.1 signed by it (an internal SMTP server's). */
export const internalCa = () => testCa('Powerdeck test internal CA', 'smtp.internal');
