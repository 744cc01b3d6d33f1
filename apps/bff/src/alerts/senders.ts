// One try at handing a rendered message (alerts/render.ts) to a target: an HTTP POST for a webhook, Slack or Teams,
// an SMTP conversation for e-mail. A try ends within a bounded time (10 s by default; a hung receiver costs that
// and no more) and answers ok, or an error in words and whether trying again is pointless (`permanent`: HTTP 410,
// "this hook is gone"). The worker (alerts/worker.ts) decides about retries; this module only tries once.
//
// Secrets: a webhook's signing secret, a Slack or Teams URL (its path is the credential) and an SMTP password are
// handed in opened, used, and never put in an error: an error names only the host (and port), and whatever a
// receiver answered is cut to 200 characters and cleared of any secret before it is kept. Nothing here logs.
//
// Webhooks are signed per Standard Webhooks: `webhook-id` is the delivery's id (the same on every retry, so a
// receiver can drop a repeat), `webhook-timestamp` the try's time in seconds, `webhook-signature`
// `v1,<base64 HMAC-SHA256 of "id.timestamp.body" under the secret's bytes>` (the secret is `whsec_` + base64).
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { SMTP_SECURITY, type SmtpSecurity, type TargetKind } from '@powerdeck/contracts/alert-terms';
import nodemailer from 'nodemailer';
import { Agent, request } from 'undici';
import type { AlertTargetRecord } from '../stores/types';
import { VERSION } from '../version';
import type { EmailMessage, RenderedMessage } from './render';

export type SendResult = { ok: true } | { ok: false; error: string; permanent: boolean };

/** A target's opened secrets (alerts/secret-box.ts): webhook {secret}; slack/teams {url}; email {password}. */
export type TargetSecrets = Readonly<Record<string, unknown>>;

/** Which try this is: the delivery's id (the webhook's `webhook-id`) and when (epoch ms). */
export interface Attempt {
  deliveryId: string;
  at: number;
}

/** What a sender reads of a target. */
export type SendTarget = Pick<AlertTargetRecord, 'kind' | 'config'>;

export type Send = (
  target: SendTarget,
  secrets: TargetSecrets,
  message: RenderedMessage,
  attempt: Attempt,
) => Promise<SendResult>;

export interface SenderOptions {
  /** How long one try may take, in all (default 10 s). An SMTP try gets this per step (connect, greeting, each reply). */
  timeoutMs?: number;
  /**
   * PEM certificates to trust besides Node's own: an internal CA that signed a webhook receiver's or an SMTP
   * server's certificate. Public services (Slack, Teams) keep working: the system's roots stay trusted.
   */
  extraCa?: string;
}

export interface Sender {
  send: Send;
  /** Closes its HTTP connections, cutting off any try under way (it answers a failure). */
  close(): Promise<void>;
}

export const SEND_TIMEOUT_MS = 10_000;
/** How much of a refusal's body is read, and how much of it is kept in the error. */
const ERROR_BODY_READ = 1024;
const ERROR_BODY_KEEP = 200;

export const USER_AGENT = `Powerdeck/${VERSION}`;

// ---------------------------------------------------------------------------------------------
// Settings

export type TargetSettings =
  | { kind: 'webhook'; url: string; secret: string }
  | { kind: 'slack' | 'teams'; url: string }
  | {
      kind: 'email';
      host: string;
      port: number;
      security: SmtpSecurity;
      username: string | null;
      password: string | null;
      from: string;
      to: string[];
    };

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A target's settings and secrets as one value, or what is missing in words. */
export function targetSettings(target: SendTarget, secrets: TargetSecrets): TargetSettings | string {
  const c = target.config;
  switch (target.kind) {
    case 'webhook': {
      const url = text(c.url);
      const secret = text(secrets.secret);
      if (url === null) return 'the webhook has no URL: edit the target';
      if (secret === null) return 'the webhook has no signing secret: edit the target';
      return { kind: 'webhook', url, secret };
    }
    case 'slack':
    case 'teams': {
      const url = text(secrets.url);
      if (url === null)
        return `the ${target.kind === 'slack' ? 'Slack' : 'Teams'} webhook URL is missing: edit the target`;
      return { kind: target.kind, url };
    }
    case 'email': {
      const host = text(c.host);
      const port = c.port;
      const security = c.security;
      const from = text(c.from);
      const to = Array.isArray(c.to) ? c.to.filter((t): t is string => typeof t === 'string') : [];
      if (
        host === null ||
        typeof port !== 'number' ||
        !(SMTP_SECURITY as readonly unknown[]).includes(security) ||
        from === null ||
        to.length === 0
      ) {
        return 'the e-mail settings are incomplete (server, port, security, from, to): edit the target';
      }
      return {
        kind: 'email',
        host,
        port,
        security: security as SmtpSecurity,
        username: text(c.username),
        password: text(secrets.password),
        from,
        to,
      };
    }
  }
}

/** Every secret of a target, for clearing them out of anything a receiver or a library says. */
function secretsOf(s: TargetSettings): string[] {
  const out: string[] = [];
  if (s.kind === 'webhook') out.push(s.secret, s.secret.replace(/^whsec_/, ''));
  if (s.kind === 'slack' || s.kind === 'teams') {
    out.push(s.url);
    try {
      const u = new URL(s.url);
      const rest = u.pathname + u.search;
      if (rest.length > 1) out.push(rest, decodeURIComponent(rest));
      // A credential's last part is often enough to use it (Slack's token).
      for (const part of u.pathname.split('/')) if (part.length >= 8) out.push(part);
    } catch {
      // Not a URL: the whole text is the secret, already listed.
    }
  }
  if (s.kind === 'email' && s.password !== null) out.push(s.password);
  return out.filter((x) => x.length >= 4).sort((a, b) => b.length - a.length);
}

function scrub(words: string, secrets: readonly string[]): string {
  let out = words;
  for (const s of secrets) out = out.split(s).join('[secret]');
  return out;
}

/** A receiver's answer as a short line: no control characters, spaces collapsed, cut. */
function excerpt(body: string): string {
  const line = body
    // Control characters (a receiver's answer could hold anything) become spaces, as \s does not cover them all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length <= ERROR_BODY_KEEP ? line : `${line.slice(0, ERROR_BODY_KEEP)}…`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}

// ---------------------------------------------------------------------------------------------
// Signing

/** The `webhook-signature` value for a body (Standard Webhooks, v1). */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Errors in words

/** The code of a network or TLS error, wherever the library put it. */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++) {
    // nodemailer wraps a socket's error as ESOCKET / ECONNECTION and keeps the socket's own code as originalCode.
    const { code, originalCode } = e as { code?: unknown; originalCode?: unknown };
    if (typeof originalCode === 'string') return originalCode;
    if (typeof code === 'string' && code !== 'ECONNECTION' && code !== 'ESOCKET') return code;
    e = e.cause;
  }
  // Or only in their message ("connect ECONNREFUSED ...").
  const message = err instanceof Error ? err.message : '';
  return /\b(E[A-Z]{4,}|[A-Z_]*CERT[A-Z_]*)\b/.exec(message)?.[1];
}

const TLS_TRUST = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** A failure to reach `where` (host:port) in words; null when the code is not one of the known ones. */
function networkWords(
  code: string | undefined,
  where: string,
  hostname: string,
  timeoutMs: number,
): string | null {
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where}`;
    case 'ENOTFOUND':
      return `no such host: ${hostname}`;
    case 'EAI_AGAIN':
      return `could not look up ${hostname} (DNS did not answer)`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return `${where} closed the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where}`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return `no answer within ${seconds(timeoutMs)} from ${where}`;
    case 'CERT_HAS_EXPIRED':
      return `the TLS certificate of ${where} has expired`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the TLS certificate of ${where} is not for ${hostname}`;
    default:
      if (code !== undefined && TLS_TRUST.has(code)) {
        return `the TLS certificate of ${where} is not trusted (${code}); for an internal CA, add it to the CAs Powerdeck trusts for alerts`;
      }
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP (webhook, Slack, Teams)

interface HttpTry {
  url: string;
  body: string;
  headers: Record<string, string>;
  secrets: readonly string[];
}

async function readSome(body: AsyncIterable<Buffer | string>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(b);
    size += b.length;
    // Leaving the loop destroys the stream: a large answer is not read to its end.
    if (size >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function hostOf(url: string): { where: string; hostname: string } {
  try {
    const u = new URL(url);
    return { where: u.host, hostname: u.hostname };
  } catch {
    return { where: 'the receiver', hostname: 'the receiver' };
  }
}

async function post(agent: Agent, timeoutMs: number, t: HttpTry): Promise<SendResult> {
  const { where, hostname } = hostOf(t.url);
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  try {
    const res = await request(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...t.headers,
      },
      body: t.body,
      signal: abort.signal,
      dispatcher: agent,
    });
    if (res.statusCode >= 200 && res.statusCode < 300) {
      // The answer does not matter; reading a little of it lets the connection be used again.
      await res.body.dump({ limit: ERROR_BODY_READ, signal: abort.signal }).catch(() => undefined);
      return { ok: true };
    }
    const answer = excerpt(scrub(await readSome(res.body, ERROR_BODY_READ).catch(() => ''), t.secrets));
    const redirect = res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : '';
    return {
      ok: false,
      error: `HTTP ${res.statusCode} from ${where}${redirect}${answer !== '' ? `: ${answer}` : ''}`,
      // 410 Gone: the receiver says this hook no longer exists (Slack: an archived channel); trying again is pointless.
      permanent: res.statusCode === 410,
    };
  } catch (err) {
    if (timedOut)
      return { ok: false, error: `no answer within ${seconds(timeoutMs)} from ${where}`, permanent: false };
    const words = networkWords(codeOf(err), where, hostname, timeoutMs);
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      error: words ?? `could not reach ${where}: ${excerpt(scrub(message, t.secrets))}`,
      permanent: false,
    };
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// E-mail (SMTP)

/** nodemailer's error as a person reads it: what the server said, never the password. */
function smtpWords(err: unknown, where: string, hostname: string, timeoutMs: number): string {
  const e = err as { code?: unknown; response?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const reply = typeof e.response === 'string' ? excerpt(e.response) : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  // 530: the server wants a sign-in the target does not give.
  if (e.responseCode === 530) {
    return `the SMTP server ${where} asks for a sign-in: set a user name and password on the target (${reply || excerpt(message)})`;
  }
  switch (code) {
    case 'EAUTH':
      return reply !== ''
        ? `the SMTP server ${where} refused the sign-in: ${reply}`
        : `the SMTP server ${where} refused the sign-in: ${excerpt(message)}`;
    case 'ENOAUTH':
      return `the SMTP server ${where} asks for a user name and password: set them on the target`;
    case 'ETIMEDOUT':
      return `no answer within ${seconds(timeoutMs)} from the SMTP server ${where}`;
    case 'EENVELOPE':
      return `the SMTP server ${where} refused the sender or the recipients: ${reply || excerpt(message)}`;
    case 'EMESSAGE':
      return `the SMTP server ${where} refused the message: ${reply || excerpt(message)}`;
    case 'ETLS':
      return `the SMTP server ${where} could not start TLS: ${excerpt(message)}`;
    default:
      break;
  }
  const words = networkWords(codeOf(err), where, hostname, timeoutMs);
  if (words !== null) return words;
  if (/STARTTLS/i.test(message))
    return `the SMTP server ${where} does not offer STARTTLS: ${excerpt(message)}`;
  return `the SMTP server ${where} failed: ${reply || excerpt(message)}`;
}

async function mail(
  s: Extract<TargetSettings, { kind: 'email' }>,
  m: EmailMessage,
  attempt: Attempt,
  timeoutMs: number,
  extraCa: string | undefined,
  /** Aborted when the sender closes: the conversation is cut off rather than waited for. */
  closed: AbortSignal,
): Promise<SendResult> {
  const where = `${s.host}:${s.port}`;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    // tls: TLS from the first byte (465); starttls: plain first, then STARTTLS, required; none: plain, though
    // nodemailer still upgrades when the server offers STARTTLS (ignoreTLS false).
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: false,
    ...(s.username !== null ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    tls: {
      ...(extraCa !== undefined ? { ca: [...rootCertificates, extraCa] } : {}),
      // The certificate is checked against the host's name; an address has no SNI.
      ...(isIP(s.host) === 0 ? { servername: s.host } : {}),
    },
    logger: false,
    debug: false,
  });
  // Each step is bounded by timeoutMs; the whole conversation (connect, greeting, TLS, sign-in, envelope, data)
  // by a few of them, so that a server dribbling its answers cannot hold the try for ever.
  let guard: NodeJS.Timeout | undefined;
  let cutOff: (() => void) | undefined;
  const overallMs = timeoutMs * 3;
  try {
    await Promise.race([
      transport.sendMail({
        from: s.from,
        to: s.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        // One Message-ID per delivery, the same on every retry, so a mail client can drop a repeat.
        messageId: `<${attempt.deliveryId}@${s.from.split('@').pop() ?? 'powerdeck'}>`,
        headers: { 'X-Mailer': USER_AGENT },
      }),
      new Promise<never>((_, reject) => {
        guard = setTimeout(
          () => reject(Object.assign(new Error('overall timeout'), { code: 'ETIMEDOUT' })),
          overallMs,
        );
        cutOff = () => reject(new Error('the sender was closed during the try'));
        if (closed.aborted) cutOff();
        else closed.addEventListener('abort', cutOff, { once: true });
      }),
    ]);
    return { ok: true };
  } catch (err) {
    const words = smtpWords(err, where, s.host, timeoutMs);
    return { ok: false, error: scrub(words, secretsOf(s)), permanent: false };
  } finally {
    clearTimeout(guard);
    if (cutOff) closed.removeEventListener('abort', cutOff);
    transport.close();
  }
}

// ---------------------------------------------------------------------------------------------

function kindMismatch(kind: TargetKind, message: RenderedMessage): SendResult {
  return { ok: false, error: `a ${message.kind} message cannot go to a ${kind} target`, permanent: true };
}

export function createSender(options: SenderOptions = {}): Sender {
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const closing = new AbortController();
  const agent = new Agent({
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    ...(options.extraCa !== undefined ? { connect: { ca: [...rootCertificates, options.extraCa] } } : {}),
  });

  const send: Send = async (target, secrets, message, attempt) => {
    const settings = targetSettings(target, secrets);
    if (typeof settings === 'string') return { ok: false, error: settings, permanent: false };
    const hidden = secretsOf(settings);
    switch (settings.kind) {
      case 'webhook': {
        if (message.kind !== 'webhook') return kindMismatch(settings.kind, message);
        const body = JSON.stringify(message.body);
        const timestamp = Math.floor(attempt.at / 1000);
        return post(agent, timeoutMs, {
          url: settings.url,
          body,
          headers: {
            'webhook-id': attempt.deliveryId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': webhookSignature(settings.secret, attempt.deliveryId, timestamp, body),
          },
          secrets: hidden,
        });
      }
      case 'slack':
      case 'teams':
        if (message.kind !== settings.kind) return kindMismatch(settings.kind, message);
        return post(agent, timeoutMs, {
          url: settings.url,
          body: JSON.stringify(message.body),
          headers: {},
          secrets: hidden,
        });
      case 'email':
        if (message.kind !== 'email') return kindMismatch(settings.kind, message);
        return mail(settings, message.email, attempt, timeoutMs, options.extraCa, closing.signal);
    }
  };

  return {
    send,
    close: () => {
      closing.abort();
      return agent.destroy();
    },
  };
}
