// Alert targets in words (what the list says of a failing one), and the form's draft: what it refuses before
// sending, the body it sends for each kind (a secret only when typed), and where a refusal from the BFF goes.
import { describe, expect, it } from 'vitest';
import {
  draftFromTarget,
  draftProblems,
  emptyDraft,
  refusalField,
  refusalWords,
  secretProblem,
  targetBody,
  withEvent,
  withSecurity,
  type TargetDraft,
} from '../src/features/alerts/lib/draft';
import {
  destinationInWords,
  healthOf,
  matchersInWords,
  quietInWords,
} from '../src/features/alerts/lib/words';
import { target } from './alerts-fixtures';

// 32 bytes of base64: a secret of the Standard Webhooks form.
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('a target in words', () => {
  it('says where it sends: a webhook its URL, Slack and Teams only the host, e-mail the recipients and server', () => {
    expect(destinationInWords(target().settings)).toBe('https://hooks.example.com/powerdeck');
    expect(destinationInWords(target({ kind: 'slack' }).settings)).toBe(
      'Slack incoming webhook at hooks.slack.com',
    );
    expect(destinationInWords(target({ kind: 'email' }).settings)).toBe(
      'oncall@example.com, ops@example.com through smtp.example.com:587 (STARTTLS)',
    );
  });

  it('says what it matches', () => {
    expect(matchersInWords(target())).toBe('Every event · every VM · any severity');
    expect(
      matchersInWords(
        target({ events: ['vm_down', 'vm_back'], vmFilter: ' prod node:node1 ', minSeverity: 'critical' }),
      ),
    ).toBe('VM down unexpectedly, VM back up · VMs matching “prod node:node1” · critical only');
    expect(quietInWords(target())).toBe(
      'One alert per VM and event per 15 minutes; one digest when more than 5 VMs go down within a minute',
    );
    expect(quietInWords(target({ cooldownMinutes: 0, digestThreshold: 1 }))).toMatch(
      /^No cool-down; .* 1 VM go/,
    );
  });

  it('makes a failed delivery a problem, in red, with the error and what to do', () => {
    const h = healthOf(
      target({
        failed: 2,
        pending: 1,
        lastDelivery: {
          status: 'failed',
          event: 'vm_down',
          at: '2030-01-07T10:00:00Z',
          error: 'HTTP 500 from hooks.example.com: boom',
        },
      }),
    );
    expect(h).toEqual({
      label: '2 failed deliveries',
      tone: 'bad',
      problem:
        "2 messages were not delivered after a day of retries: HTTP 500 from hooks.example.com: boom. Check the target's settings, then send a test.",
    });
    expect(healthOf(target({ failed: 1 })).label).toBe('1 failed delivery');
    expect(healthOf(target({ failed: 1 })).problem).toMatch(/^A message was not delivered/);
  });

  it('marks a retry under way, and is quiet otherwise', () => {
    const retrying = healthOf(
      target({
        pending: 1,
        lastDelivery: {
          status: 'retrying',
          event: 'test',
          at: '2030-01-07T10:00:00Z',
          error: 'no answer within 10 s',
        },
      }),
    );
    expect(retrying.tone).toBe('warn');
    expect(retrying.problem).toBe(
      'The last message has not got through yet: no answer within 10 s. Powerdeck keeps trying for a day.',
    );
    expect(healthOf(target()).label).toBe('Nothing sent yet');
    expect(healthOf(target({ enabled: false })).label).toBe('Disabled');
    const sent = { status: 'sent', event: 'test', at: '2030-01-07T10:00:00Z', error: null } as const;
    expect(healthOf(target({ lastDelivery: sent }))).toEqual({
      label: 'Delivering',
      tone: 'ok',
      problem: null,
    });
  });
});

const named = (patch: Partial<TargetDraft>): TargetDraft => ({ ...emptyDraft(), name: 'Hook', ...patch });

describe('the draft, checked', () => {
  it('names what is missing by its field', () => {
    expect(draftProblems(emptyDraft())).toEqual({
      name: 'Give the target a name, e.g. "On-call Slack"',
      url: 'Type the address the alerts are posted to, e.g. https://alerts.example.com/powerdeck',
    });
    expect(draftProblems(named({ kind: 'slack' }))).toEqual({
      url: "Paste the incoming webhook's URL from Slack",
    });
    expect(draftProblems(named({ kind: 'email' }))).toEqual({
      host: "Type the SMTP server's host name, e.g. smtp.example.com",
      from: "Type the sender's address, e.g. powerdeck@example.com",
      to: 'Type at least one address to send the alerts to',
    });
  });

  it('refuses what the BFF would', () => {
    expect(draftProblems(named({ url: 'ftp://x.example.com' })).url).toMatch(
      /^Use an http:\/\/ or https:\/\//,
    );
    expect(draftProblems(named({ kind: 'teams', url: 'http://teams.example.com/x' })).url).toBe(
      'Use the https:// address Teams gave for the incoming webhook',
    );
    expect(draftProblems(named({ kind: 'slack', url: 'http://127.0.0.1:9000/hook' }))).toEqual({});
    expect(draftProblems(named({ url: 'https://h.example.com', secret: 'hunter2' })).secret).toMatch(
      /^A signing secret is whsec_/,
    );
    const email = named({ kind: 'email', host: 'smtp.example.com', from: 'pd@example.com' });
    expect(draftProblems({ ...email, to: 'a@example.com, bob' }).to).toBe('“bob” is not an e-mail address');
    expect(draftProblems({ ...email, to: 'a@x.org', port: '70000' }).port).toBe('A port from 1 to 65535');
    const many = Array.from({ length: 21 }, (_, i) => `p${i}@example.com`).join('\n');
    expect(draftProblems({ ...email, to: many }).to).toBe('At most 20 addresses');
    // A user name needs a password, a password a user name.
    const mail = { ...email, to: 'a@x.org' };
    expect(draftProblems({ ...mail, username: 'pd' })).toEqual({
      password: 'Type the password of pd on the SMTP server',
    });
    expect(draftProblems({ ...mail, password: 'pw' })).toEqual({
      username: 'A password goes with a user name: type it, or leave the password empty',
    });
    expect(draftProblems({ ...mail, username: 'pd', password: 'pw' })).toEqual({});
    // Editing with a password saved: kept, nothing to type.
    expect(draftProblems({ ...mail, username: 'pd', saved: { set: true, replacing: false } })).toEqual({});
    const ok = named({ url: 'https://h.example.com' });
    expect(draftProblems({ ...ok, cooldown: '1441', digest: '0' })).toEqual({
      cooldown: 'Between 0 and 1440 minutes',
      digest: 'Between 1 and 1000 VMs',
    });
    expect(draftProblems({ ...ok, vmFilter: 'x'.repeat(501) }).vmFilter).toBe('At most 500 characters');
    expect(draftProblems({ ...ok, vmFilter: 'web status:runing' }).vmFilter).toBe(
      '“runing” is not a status: use a VergeOS status (running, stopped, error, …), attention, transitional or down',
    );
    expect(draftProblems({ ...ok, vmFilter: 'status:' }).vmFilter).toMatch(/^This filter restricts nothing/);
    expect(draftProblems({ ...ok, vmFilter: 'web status:down,attention node:n1' })).toEqual({});
    expect(draftProblems({ ...email, to: 'a@x.org', host: 'smtp://mail.example.com:25' }).host).toBe(
      "The SMTP server's name or address only, e.g. smtp.example.com (no smtp:// and no port)",
    );
  });

  it('takes a Standard Webhooks secret of 24 to 64 bytes', () => {
    expect(secretProblem(SECRET)).toBeUndefined();
    expect(secretProblem(`whsec_${Buffer.alloc(24).toString('base64')}`)).toBeUndefined();
    expect(secretProblem(`whsec_${Buffer.alloc(64).toString('base64')}`)).toBeUndefined();
    // The BFF takes padded base64 only.
    expect(secretProblem(`whsec_${Buffer.alloc(25).toString('base64')}`)).toBeUndefined();
    expect(secretProblem(`whsec_${Buffer.alloc(25).toString('base64').replace(/=+$/, '')}`)).toBeDefined();
    expect(secretProblem(`whsec_${Buffer.alloc(23).toString('base64')}`)).toBeDefined();
    expect(secretProblem(`whsec_${Buffer.alloc(65).toString('base64')}`)).toBeDefined();
    expect(secretProblem(Buffer.alloc(32).toString('base64'))).toBeDefined();
  });

  it('moves the port with the security while it is still the usual one', () => {
    const d = emptyDraft('email');
    expect(withSecurity(d, 'tls').port).toBe('465');
    expect(withSecurity(withSecurity(d, 'tls'), 'none').port).toBe('25');
    expect(withSecurity({ ...d, port: '2525' }, 'tls').port).toBe('2525');
  });

  it('keeps the events in the order of the contract', () => {
    const d = withEvent(withEvent(emptyDraft(), 'leader_changed', true), 'vm_down', true);
    expect(d.events).toEqual(['vm_down', 'leader_changed']);
    expect(withEvent(d, 'vm_down', false).events).toEqual(['leader_changed']);
  });
});

describe('the body sent', () => {
  const matchers = {
    events: [],
    vmFilter: '',
    minSeverity: 'info',
    cooldownMinutes: 15,
    digestThreshold: 5,
    enabled: true,
  };

  it('a new webhook: its URL, and its own secret only when one is typed', () => {
    expect(targetBody(named({ url: ' https://h.example.com/x ' }))).toEqual({
      name: 'Hook',
      kind: 'webhook',
      webhook: { url: 'https://h.example.com/x' },
      ...matchers,
    });
    expect(targetBody(named({ url: 'https://h.example.com/x', secret: SECRET }))).toMatchObject({
      webhook: { url: 'https://h.example.com/x', secret: SECRET },
    });
  });

  it('an e-mail target: its server, addresses as a list, and the matchers as typed', () => {
    const d = named({
      kind: 'email',
      host: ' smtp.example.com ',
      port: '465',
      security: 'tls',
      username: '',
      password: ' pass word ',
      from: 'pd@example.com',
      to: 'a@example.com,b@example.com;\nc@example.com',
      events: ['vm_down'],
      vmFilter: ' prod ',
      minSeverity: 'warning',
      cooldown: '0',
      digest: '12',
      enabled: false,
    });
    expect(targetBody(d)).toEqual({
      name: 'Hook',
      kind: 'email',
      email: {
        host: 'smtp.example.com',
        port: 465,
        security: 'tls',
        username: '',
        password: ' pass word ',
        from: 'pd@example.com',
        to: ['a@example.com', 'b@example.com', 'c@example.com'],
      },
      events: ['vm_down'],
      vmFilter: 'prod',
      minSeverity: 'warning',
      cooldownMinutes: 0,
      digestThreshold: 12,
      enabled: false,
    });
  });

  it('editing: no secret in the draft, none sent unless replaced and typed', () => {
    const slack = draftFromTarget(target({ kind: 'slack' }));
    expect(slack.url).toBe('');
    expect(targetBody(slack)).toMatchObject({ kind: 'slack', slack: {} });
    expect(draftProblems(slack)).toEqual({});
    const replacing = { ...slack, saved: { set: true, replacing: true } };
    expect(targetBody({ ...replacing, url: 'https://hooks.slack.com/services/NEW' })).toMatchObject({
      slack: { url: 'https://hooks.slack.com/services/NEW' },
    });
    // Typed but not replacing (the field is not shown): not sent.
    expect(targetBody({ ...slack, url: 'https://hooks.slack.com/services/NEW' })).toMatchObject({
      slack: {},
    });
    expect(targetBody({ ...slack, url: 'https://hooks.slack.com/services/NEW' })).not.toHaveProperty(
      'slack.url',
    );

    const email = draftFromTarget(target({ kind: 'email' }));
    expect(email.password).toBe('');
    expect(targetBody(email)).toMatchObject({
      email: { username: 'powerdeck', to: ['oncall@example.com', 'ops@example.com'] },
    });
    expect(targetBody(email)).not.toHaveProperty('email.password');
    expect(targetBody({ ...email, password: 'typed' })).not.toHaveProperty('email.password');
    // No password set yet: the field is there, and what is typed is sent.
    const none = { ...email, saved: { set: false, replacing: false }, password: 'first' };
    expect(targetBody(none)).toMatchObject({ email: { password: 'first' } });

    const hook = draftFromTarget(target());
    expect(hook).toMatchObject({ url: 'https://hooks.example.com/powerdeck', secret: '' });
    expect(targetBody({ ...hook, secret: SECRET })).not.toHaveProperty('webhook.secret');
    expect(targetBody(hook)).toEqual({
      name: 'On-call hook',
      kind: 'webhook',
      webhook: { url: 'https://hooks.example.com/powerdeck' },
      ...matchers,
    });
  });
});

describe("the BFF's refusals, by field", () => {
  it('puts a refusal by the field its words name, a taken name by the name, anything else at the top', () => {
    expect(
      refusalField({ status: 400, message: 'Invalid request: body.webhook.url must match format' }),
    ).toBe('url');
    expect(refusalField({ status: 400, message: 'Use an https:// URL for Slack (slack.url)' })).toBe('url');
    expect(refusalField({ status: 400, message: 'Invalid request: body/email/to/1 is not an address' })).toBe(
      'to',
    );
    expect(
      refusalField({ status: 400, message: 'The signing secret must be whsec_… (webhook.secret)' }),
    ).toBe('secret');
    expect(refusalField({ status: 400, message: 'The VM filter is too long (vmFilter)' })).toBe('vmFilter');
    expect(
      refusalField({
        status: 409,
        message: 'An alert target named "Hook" exists already: choose another name.',
      }),
    ).toBe('name');
    expect(
      refusalField({
        status: 409,
        message: 'Powerdeck keeps at most 50 alert targets: delete one you no longer use first',
      }),
    ).toBeNull();
    expect(refusalField({ status: 400, message: 'Invalid request: body.email.port must be <= 65535' })).toBe(
      'port',
    );
    expect(
      refusalField({
        status: 400,
        message: 'email.to.1: "x@" is not an e-mail address such as ops@example.com',
      }),
    ).toBe('to');
    expect(refusalField({ status: 400, message: 'Give the target a name (name)' })).toBe('name');
    expect(refusalField({ status: 400, message: 'Something about the name of it' })).toBeNull();
    expect(refusalField({ status: 403, message: 'Your role (viewer) may not manage alerts' })).toBeNull();
  });
});

describe("the BFF's refusal by its field", () => {
  it('reads without the body path it names the field by', () => {
    expect(refusalWords('slack.url must start with https:// (Slack gives an https address)')).toBe(
      'Must start with https:// (Slack gives an https address)',
    );
    expect(refusalWords('Invalid request: body.email.port must be <= 65535')).toBe('Must be <= 65535');
    expect(refusalWords("vmFilter: 'foo' is not a status: use a VergeOS status")).toBe(
      "'foo' is not a status: use a VergeOS status",
    );
    expect(refusalWords('email.to.1: "x@" is not an e-mail address such as ops@example.com')).toBe(
      '"x@" is not an e-mail address such as ops@example.com',
    );
    expect(refusalWords('Give the alert target a name (name)')).toBe('Give the alert target a name');
    expect(refusalWords('Give the password of pd on the SMTP server (email.password)')).toBe(
      'Give the password of pd on the SMTP server',
    );
    expect(refusalWords('An alert target named "Hook" exists already: choose another name.')).toBe(
      'An alert target named "Hook" exists already: choose another name.',
    );
  });
});
