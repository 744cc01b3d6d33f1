// One try at a target (alerts/senders.ts), against real receivers: a webhook's signature checks out with the
// Standard Webhooks library (and a tampered body does not), with the delivery's id as `webhook-id` on every retry;
// Slack and Teams get the bodies their services take; an e-mail reaches a real SMTP server (signed in, over
// STARTTLS or TLS with an internal CA's certificate, or plain) and reads right. A failed try says what went wrong in
// words (HTTP status and the start of the answer, connection refused, no answer in time, a certificate not
// trusted, a sign-in refused), never a secret, and only 410 is permanent.
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { render, type DeliveryToRender } from '../src/alerts/render';
import { createSender, type Sender, type SendTarget } from '../src/alerts/senders';
import { VERSION } from '../src/version';
import {
  closedPort,
  internalCa,
  parseMail,
  startReceiver,
  startSmtp,
  webhookSecret,
  type Receiver,
} from './alert-receivers';

const DOWN: DeliveryToRender = {
  event: 'vm_down',
  severity: 'critical',
  title: 'VM web-01 is down unexpectedly (error)',
  createdAt: '2026-03-01T10:00:00.000Z',
  payload: JSON.stringify({
    text: 'It stopped without a power action from Powerdeck.',
    vm: { key: 12, name: 'web-01', status: 'error', node: 'node1' },
  }),
};

const senders: Sender[] = [];
function sender(options: Parameters<typeof createSender>[0] = {}): Sender {
  const s = createSender({ timeoutMs: 2_000, ...options });
  senders.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
});

function webhook(url: string): SendTarget {
  return { kind: 'webhook', config: { url } };
}

const attempt = (id = 'a1b2c3d4-0000-4000-8000-000000000001', at = Date.now()) => ({ deliveryId: id, at });

describe('webhook', () => {
  it('is signed per Standard Webhooks: the library verifies it, and a tampered body fails', async () => {
    const r = await startReceiver();
    const secret = webhookSecret();
    const at = Date.now();
    const result = await sender().send(
      webhook(`${r.url}/hooks/powerdeck`),
      { secret },
      render(DOWN, 'webhook'),
      {
        deliveryId: 'delivery-1',
        at,
      },
    );
    expect(result).toEqual({ ok: true });
    const got = r.received[0];
    expect(got).toBeDefined();
    if (!got) return;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/hooks/powerdeck');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe(`Powerdeck/${VERSION}`);
    expect(got.headers['webhook-id']).toBe('delivery-1');
    expect(got.headers['webhook-timestamp']).toBe(String(Math.floor(at / 1000)));
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    const verified = new Webhook(secret).verify(got.body, got.headers);
    expect(verified).toMatchObject({ type: 'powerdeck.vm_down', data: { vm: { name: 'web-01' } } });
    expect(() => new Webhook(secret).verify(got.body.replace('web-01', 'web-02'), got.headers)).toThrow(
      /signature/i,
    );
    expect(() => new Webhook(webhookSecret()).verify(got.body, got.headers)).toThrow(/signature/i);
  });

  it('keeps webhook-id on a retry, with the new try’s timestamp', async () => {
    const r = await startReceiver();
    const secret = webhookSecret();
    const s = sender();
    const first = Date.now() - 60_000;
    await s.send(webhook(r.url), { secret }, render(DOWN, 'webhook'), attempt('same-id', first));
    await s.send(webhook(r.url), { secret }, render(DOWN, 'webhook'), attempt('same-id', Date.now()));
    expect(r.received.map((q) => q.headers['webhook-id'])).toEqual(['same-id', 'same-id']);
    const [a, b] = r.received.map((q) => Number(q.headers['webhook-timestamp']));
    expect(b).toBeGreaterThan(a ?? Infinity);
    for (const q of r.received) expect(() => new Webhook(secret).verify(q.body, q.headers)).not.toThrow();
  });

  it('HTTP 500 with a body: the status, the host and the start of the answer; tried again later', async () => {
    const r = await startReceiver({ status: 500, body: `database\n\tlocked ${'x'.repeat(5000)}` });
    const result = await sender().send(
      webhook(r.url),
      { secret: webhookSecret() },
      render(DOWN, 'webhook'),
      attempt(),
    );
    expect(result).toMatchObject({ ok: false, permanent: false });
    if (result.ok) return;
    expect(result.error).toMatch(
      new RegExp(`^HTTP 500 from 127\\.0\\.0\\.1:${r.port}: database locked x+…$`),
    );
    expect(result.error.length).toBeLessThan(260);
  });

  it('HTTP 410: permanent (the hook is gone)', async () => {
    const r = await startReceiver({ status: 410, body: 'gone' });
    const result = await sender().send(
      webhook(r.url),
      { secret: webhookSecret() },
      render(DOWN, 'webhook'),
      attempt(),
    );
    expect(result).toEqual({ ok: false, error: `HTTP 410 from 127.0.0.1:${r.port}: gone`, permanent: true });
  });

  it('connection refused: says so, with the address', async () => {
    const port = await closedPort();
    const result = await sender().send(
      webhook(`http://127.0.0.1:${port}/x`),
      { secret: webhookSecret() },
      render(DOWN, 'webhook'),
      attempt(),
    );
    expect(result).toEqual({ ok: false, error: `connection refused by 127.0.0.1:${port}`, permanent: false });
  });

  it('a receiver that never answers: "no answer within" the timeout', async () => {
    const r = await startReceiver('hang');
    const started = Date.now();
    const result = await sender({ timeoutMs: 300 }).send(
      webhook(r.url),
      { secret: webhookSecret() },
      render(DOWN, 'webhook'),
      attempt(),
    );
    expect(result).toEqual({
      ok: false,
      error: `no answer within 0.3 s from 127.0.0.1:${r.port}`,
      permanent: false,
    });
    expect(r.received).toHaveLength(1);
    // It gave up: it did not wait for the receiver (which never answers).
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a redirect is not followed', async () => {
    const r = await startReceiver({ status: 302, body: '' });
    const result = await sender().send(
      webhook(r.url),
      { secret: webhookSecret() },
      render(DOWN, 'webhook'),
      attempt(),
    );
    expect(result).toMatchObject({
      ok: false,
      error: `HTTP 302 from 127.0.0.1:${r.port} (redirects are not followed)`,
    });
    expect(r.received).toHaveLength(1);
  });
});

describe('Slack and Teams', () => {
  const slackPath = '/services/T0001/B0002/SecretTokenXyz123';

  it('Slack gets {text, blocks} as JSON at the webhook URL', async () => {
    const r = await startReceiver({ status: 200, body: 'ok' });
    const result = await sender().send(
      { kind: 'slack', config: { host: '127.0.0.1' } },
      { url: `${r.url}${slackPath}` },
      render(DOWN, 'slack'),
      attempt(),
    );
    expect(result).toEqual({ ok: true });
    const got = r.received[0];
    expect(got?.path).toBe(slackPath);
    expect(got?.headers['content-type']).toBe('application/json');
    // No signature headers: Slack's URL is its own credential.
    expect(got?.headers['webhook-signature']).toBeUndefined();
    const body = JSON.parse(got?.body ?? '{}') as { text: unknown; blocks: { type: string }[] };
    expect(body.text).toBe('VM web-01 is down unexpectedly (error)');
    expect(body.blocks[0]?.type).toBe('header');
    expect(body.blocks.every((b) => ['header', 'section', 'context'].includes(b.type))).toBe(true);
  });

  it('Teams gets one Adaptive Card in a message, and its 202 is success', async () => {
    const r = await startReceiver({ status: 202, body: '' });
    const result = await sender().send(
      { kind: 'teams', config: { host: '127.0.0.1' } },
      { url: `${r.url}/workflows/abc/triggers/manual/paths/invoke?sig=SecretSig123456` },
      render(DOWN, 'teams'),
      attempt(),
    );
    expect(result).toEqual({ ok: true });
    const body = JSON.parse(r.received[0]?.body ?? '{}') as {
      type: string;
      attachments: { contentType: string; content: { type: string; version: string } }[];
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0]?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
  });

  it('an error names only the host: not the URL’s path, even when the answer repeats it', async () => {
    const r = await startReceiver({ status: 404, body: `no_service for ${slackPath} (SecretTokenXyz123)` });
    const result = await sender().send(
      { kind: 'slack', config: { host: '127.0.0.1' } },
      { url: `${r.url}${slackPath}` },
      render(DOWN, 'slack'),
      attempt(),
    );
    expect(result).toMatchObject({ ok: false, permanent: false });
    if (result.ok) return;
    expect(result.error).toMatch(new RegExp(`^HTTP 404 from 127\\.0\\.0\\.1:${r.port}: no_service for`));
    expect(result.error).not.toContain('SecretTokenXyz123');
    expect(result.error).not.toContain('/services/');
  });

  it('a message of another kind is refused, not sent', async () => {
    const r = await startReceiver();
    const result = await sender().send(
      { kind: 'slack', config: {} },
      { url: r.url },
      render(DOWN, 'teams'),
      attempt(),
    );
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(r.received).toHaveLength(0);
  });

  it('a Slack target without its URL says what to do', async () => {
    const result = await sender().send({ kind: 'slack', config: {} }, {}, render(DOWN, 'slack'), attempt());
    expect(result).toEqual({
      ok: false,
      error: 'the Slack webhook URL is missing: edit the target',
      permanent: false,
    });
  });
});

describe('e-mail', () => {
  function email(port: number, extra: Record<string, unknown> = {}): SendTarget {
    return {
      kind: 'email',
      config: {
        host: '127.0.0.1',
        port,
        security: 'none',
        username: null,
        from: 'powerdeck@example.com',
        to: ['ops@example.com', 'oncall@example.com'],
        ...extra,
      },
    };
  }

  it('reaches a real SMTP server, signed in: subject, from, to and the title in the text', async () => {
    const smtp = await startSmtp({ users: { alerts: 'pa55-w0rd' }, disabledCommands: ['STARTTLS'] });
    const result = await sender().send(
      email(smtp.port, { username: 'alerts' }),
      { password: 'pa55-w0rd' },
      render(DOWN, 'email'),
      attempt('delivery-7'),
    );
    expect(result).toEqual({ ok: true });
    expect(smtp.signIns).toEqual(['alerts']);
    expect(smtp.messages).toHaveLength(1);
    const m = smtp.messages[0];
    expect(m?.from).toBe('powerdeck@example.com');
    expect(m?.to).toEqual(['ops@example.com', 'oncall@example.com']);
    const mail = parseMail(m?.raw ?? '');
    expect(mail.headers.get('subject')).toBe('[Powerdeck] VM web-01 is down unexpectedly (error)');
    expect(mail.headers.get('from')).toBe('powerdeck@example.com');
    expect(mail.headers.get('to')).toBe('ops@example.com, oncall@example.com');
    expect(mail.headers.get('message-id')).toBe('<delivery-7@example.com>');
    expect(mail.text).toContain('VM web-01 is down unexpectedly (error)');
    expect(mail.text).toContain('Node: node1');
    expect(mail.html).toContain('<h2>VM web-01 is down unexpectedly (error)</h2>');
  });

  it('a wrong password: the server’s refusal in words, without the password', async () => {
    const smtp = await startSmtp({ users: { alerts: 'right-one' }, disabledCommands: ['STARTTLS'] });
    const result = await sender().send(
      email(smtp.port, { username: 'alerts' }),
      { password: 'WrongPassword42' },
      render(DOWN, 'email'),
      attempt(),
    );
    expect(result).toMatchObject({ ok: false, permanent: false });
    if (result.ok) return;
    expect(result.error).toMatch(
      new RegExp(`^the SMTP server 127\\.0\\.0\\.1:${smtp.port} refused the sign-in: 535`),
    );
    expect(result.error).not.toContain('WrongPassword42');
    expect(smtp.messages).toHaveLength(0);
  });

  it('a server that wants a sign-in the target does not give: says what to set', async () => {
    const smtp = await startSmtp({ users: { alerts: 'pw' }, disabledCommands: ['STARTTLS'] });
    const result = await sender().send(email(smtp.port), {}, render(DOWN, 'email'), attempt());
    expect(result).toMatchObject({ ok: false, permanent: false });
    if (!result.ok) {
      expect(result.error).toMatch(
        new RegExp(
          `^the SMTP server 127\\.0\\.0\\.1:${smtp.port} asks for a sign-in: set a user name and password`,
        ),
      );
    }
  });

  it('STARTTLS with an internal CA’s certificate: refused until that CA is trusted, then delivered', async () => {
    const tls = await internalCa();
    const smtp = await startSmtp({ key: tls.key, cert: tls.cert, users: { alerts: 'secret-pw' } });
    const target = email(smtp.port, { security: 'starttls', username: 'alerts' });

    const refused = await sender().send(target, { password: 'secret-pw' }, render(DOWN, 'email'), attempt());
    expect(refused).toMatchObject({ ok: false, permanent: false });
    if (!refused.ok) {
      expect(refused.error).toMatch(
        new RegExp(
          `^the TLS certificate of 127\\.0\\.0\\.1:${smtp.port} is not trusted \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)`,
        ),
      );
    }
    expect(smtp.messages).toHaveLength(0);

    const sent = await sender({ extraCa: tls.ca }).send(
      target,
      { password: 'secret-pw' },
      render(DOWN, 'email'),
      attempt(),
    );
    expect(sent).toEqual({ ok: true });
    expect(smtp.signIns).toEqual(['alerts']);
    expect(parseMail(smtp.messages[0]?.raw ?? '').headers.get('subject')).toBe(
      '[Powerdeck] VM web-01 is down unexpectedly (error)',
    );
  });

  it('STARTTLS required but the server does not offer it: not sent in the clear', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    const result = await sender().send(
      email(smtp.port, { security: 'starttls' }),
      {},
      render(DOWN, 'email'),
      attempt(),
    );
    expect(result).toMatchObject({ ok: false, permanent: false });
    if (!result.ok)
      expect(result.error).toMatch(new RegExp(`^the SMTP server 127\\.0\\.0\\.1:${smtp.port} .*STARTTLS`));
    expect(smtp.messages).toHaveLength(0);
  });

  it('TLS from the start (port 465 style) with the internal CA trusted', async () => {
    const tls = await internalCa();
    const smtp = await startSmtp({ secure: true, key: tls.key, cert: tls.cert });
    const result = await sender({ extraCa: tls.ca }).send(
      email(smtp.port, { security: 'tls' }),
      {},
      render(DOWN, 'email'),
      attempt(),
    );
    expect(result).toEqual({ ok: true });
    expect(smtp.messages).toHaveLength(1);
  });

  it('connection refused, and a server that never greets: in words', async () => {
    const port = await closedPort();
    const refused = await sender().send(email(port), {}, render(DOWN, 'email'), attempt());
    expect(refused).toEqual({
      ok: false,
      error: `connection refused by 127.0.0.1:${port}`,
      permanent: false,
    });

    // An HTTP server that accepts the connection and says nothing is an SMTP server that never greets.
    const silent: Receiver = await startReceiver('hang');
    const hung = await sender({ timeoutMs: 300 }).send(
      email(silent.port),
      {},
      render(DOWN, 'email'),
      attempt(),
    );
    expect(hung).toEqual({
      ok: false,
      error: `no answer within 0.3 s from the SMTP server 127.0.0.1:${silent.port}`,
      permanent: false,
    });
  });

  it('closing the sender cuts off a try under way (webhook and e-mail) instead of waiting for the timeout', async () => {
    const silent: Receiver = await startReceiver('hang');
    const s = sender({ timeoutMs: 60_000 });
    const tries = [
      s.send(webhook(`${silent.url}/hook`), { secret: webhookSecret() }, render(DOWN, 'webhook'), attempt()),
      s.send(email(silent.port), {}, render(DOWN, 'email'), attempt()),
    ];
    await new Promise((resolve) => setTimeout(resolve, 200));
    await s.close();
    // Both answer a failure now (with a 60 s timeout and a 30 s test timeout, a wait would fail the test).
    const results = await Promise.all(tries);
    for (const r of results) expect(r).toMatchObject({ ok: false, permanent: false });
  });
});
