// @vitest-environment happy-dom
// The alert target form as an admin fills it in: problems by their fields and nothing sent until they are fixed;
// what it sends for each kind; a generated signing secret shown once, then the target's page; editing shows that a
// secret is set and never the secret (nothing prefilled), sends one only when replaced; the BFF's refusal shown by
// the field its words name, or at the top; the VM filter's "match now".
import type { AlertTargetBody } from '@powerdeck/contracts/alerts';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TargetForm } from '../src/features/alerts/components/target-form';
import { NewTargetPage } from '../src/features/alerts/components/target-page';
import { target } from './alerts-fixtures';
import { json, openAt, renderInApp } from './dom';
import { vm } from './fleet-fixtures';
import { fakeFetch, type Sent } from './schedule-fixtures';

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => openAt('/admin/alerts/new'));

const FLEET = [
  vm(1, { name: 'prod-web-01' }),
  vm(2, { name: 'prod-db-01', status: 'stopped' }),
  vm(3, { name: 'lab-web-01' }),
  vm(4, { name: 'prod-web-02', nodeName: 'node2' }),
];
const GENERATED = 'whsec_c2VjcmV0LXNob3duLW9uY2Utb25seS0xMjM0NTY3OA==';

function serve(answer: (body: AlertTargetBody, req: Sent) => Response = created) {
  return fakeFetch((req) => {
    if (req.url === '/api/alerts/targets' && req.method === 'POST')
      return answer(req.body as AlertTargetBody, req);
    if (req.url === '/api/alerts/targets/t1' && req.method === 'PUT')
      return answer(req.body as AlertTargetBody, req);
    return undefined;
  });
}

function created(body: AlertTargetBody): Response {
  const kind = body.kind;
  return json(
    {
      target: target({ kind, name: body.name }),
      signingSecret: kind === 'webhook' && !body.webhook.secret ? GENERATED : null,
    },
    201,
  );
}

const posts = (sent: readonly Sent[]) => sent.filter((r) => r.method === 'POST' || r.method === 'PUT');

async function openNew() {
  const user = userEvent.setup();
  renderInApp(<NewTargetPage vms={FLEET} />);
  const form = await screen.findByRole('form', { name: 'New alert target' });
  return { user, form };
}

describe('a new target', () => {
  it('names what is missing by its field and sends nothing', async () => {
    const { sent } = serve();
    const { user, form } = await openNew();
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    const name = within(form).getByRole('textbox', { name: 'Name' });
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(name);
    expect(within(form).getByRole('textbox', { name: 'URL' }).getAttribute('aria-invalid')).toBe('true');
    expect(form.textContent).toContain('Give the target a name');
    expect(form.textContent).toContain('Type the address the alerts are posted to');
    expect(within(form).getByRole('alert').textContent).toBe('Fix the 2 problems marked above');
    expect(posts(sent)).toHaveLength(0);
  });

  it('a webhook: sends its URL and the matchers, then shows the signing secret once and goes to the target', async () => {
    const { sent } = serve();
    const { user, form } = await openNew();
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'On-call hook');
    await user.type(
      within(form).getByRole('textbox', { name: 'URL' }),
      'https://hooks.example.com/powerdeck',
    );
    await user.click(within(form).getByRole('button', { name: 'Create target' }));

    const dialog = await screen.findByRole('dialog', { name: 'Signing secret for On-call hook' });
    expect(within(dialog).getByRole<HTMLInputElement>('textbox', { name: 'Signing secret' }).value).toBe(
      GENERATED,
    );
    expect(within(dialog).getByRole('button', { name: 'Copy' })).toBeTruthy();
    expect(dialog.textContent).toContain('Shown once: copy it now. It is not shown again.');
    expect(posts(sent).map((r) => r.body)).toEqual([
      {
        name: 'On-call hook',
        kind: 'webhook',
        webhook: { url: 'https://hooks.example.com/powerdeck' },
        events: [],
        vmFilter: '',
        minSeverity: 'info',
        cooldownMinutes: 15,
        digestThreshold: 5,
        enabled: true,
      },
    ]);
    expect(posts(sent)[0]?.headers['x-powerdeck-csrf']).toBe('1');
    // Still on the new page until the secret is dismissed, then the target's page.
    expect(window.location.pathname).toBe('/admin/alerts/new');
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(window.location.pathname).toBe('/admin/alerts/t1');
  });

  it('a webhook with its own secret: sent as typed, nothing shown afterwards', async () => {
    const { sent } = serve();
    const { user, form } = await openNew();
    const own = `whsec_${btoa('x'.repeat(32))}`;
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Own secret');
    await user.type(within(form).getByRole('textbox', { name: 'URL' }), 'http://127.0.0.1:8099/in');
    await user.type(within(form).getByLabelText('Signing secret (optional)'), own);
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    await vi.waitFor(() => expect(window.location.pathname).toBe('/admin/alerts/t1'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(posts(sent)[0]?.body).toMatchObject({ webhook: { url: 'http://127.0.0.1:8099/in', secret: own } });
  });

  it('Slack: its URL, the events ticked, a VM filter with the VMs it matches now, a minimum severity', async () => {
    const { sent } = serve();
    const { user, form } = await openNew();
    await user.click(within(form).getByRole('radio', { name: 'Slack' }));
    expect(within(form).queryByRole('textbox', { name: 'URL' })).toBeNull();
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'On-call Slack');
    await user.type(
      within(form).getByRole('textbox', { name: 'Webhook URL' }),
      'https://hooks.slack.com/services/T/B/x',
    );
    const events = within(form).getByRole('group', { name: 'Events' });
    await user.click(within(events).getByRole('checkbox', { name: 'VM down unexpectedly' }));
    await user.click(within(events).getByRole('checkbox', { name: 'VergeOS unreachable' }));
    const filter = within(form).getByRole('textbox', { name: 'VM filter' });
    expect(form.textContent).toContain('Every VM (4 VMs now)');
    await user.type(filter, 'prod web');
    expect(within(form).getByText(/match now/).textContent).toBe('2 VMs match now: prod-web-01, prod-web-02');
    await user.type(filter, ' status:down');
    expect(within(form).getByText(/match now/).textContent).toBe(
      '2 VMs match now by name and node: prod-web-01, prod-web-02',
    );
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Minimum severity' }), 'critical');
    await user.clear(within(form).getByRole('textbox', { name: 'Cool-down (minutes)' }));
    await user.type(within(form).getByRole('textbox', { name: 'Cool-down (minutes)' }), '30');
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    await vi.waitFor(() => expect(window.location.pathname).toBe('/admin/alerts/t1'));
    expect(posts(sent)[0]?.body).toEqual({
      name: 'On-call Slack',
      kind: 'slack',
      slack: { url: 'https://hooks.slack.com/services/T/B/x' },
      events: ['vm_down', 'vergeos_unreachable'],
      vmFilter: 'prod web status:down',
      minSeverity: 'critical',
      cooldownMinutes: 30,
      digestThreshold: 5,
      enabled: true,
    });
  });

  it('Teams: refuses a URL that is not https', async () => {
    const { sent } = serve();
    const { user, form } = await openNew();
    await user.click(within(form).getByRole('radio', { name: 'Microsoft Teams' }));
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Teams');
    await user.type(
      within(form).getByRole('textbox', { name: 'Webhook URL' }),
      'http://example.webhook.office.com/x',
    );
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    expect(form.textContent).toContain('Use the https:// address Teams gave for the incoming webhook');
    expect(posts(sent)).toHaveLength(0);
  });

  it('e-mail: the server, its security (the port follows), sign-in, sender and recipients', async () => {
    const { sent } = serve();
    const { user, form } = await openNew();
    await user.click(within(form).getByRole('radio', { name: 'E-mail (SMTP)' }));
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Ops mail');
    await user.type(within(form).getByRole('textbox', { name: 'SMTP host' }), 'smtp.example.com');
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'Port' }).value).toBe('587');
    await user.click(within(form).getByRole('radio', { name: 'TLS' }));
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'Port' }).value).toBe('465');
    await user.type(within(form).getByRole('textbox', { name: 'User name' }), 'powerdeck');
    await user.type(within(form).getByLabelText('Password'), 's3cret pw');
    await user.type(within(form).getByRole('textbox', { name: 'From' }), 'powerdeck@example.com');
    await user.type(within(form).getByRole('textbox', { name: 'To' }), 'oncall@example.com, not-an-address');
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    expect(within(form).getByRole('textbox', { name: 'To' }).getAttribute('aria-invalid')).toBe('true');
    expect(form.textContent).toContain('“not-an-address” is not an e-mail address');
    expect(posts(sent)).toHaveLength(0);

    await user.clear(within(form).getByRole('textbox', { name: 'To' }));
    await user.type(
      within(form).getByRole('textbox', { name: 'To' }),
      'oncall@example.com{enter}ops@example.com',
    );
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    await vi.waitFor(() => expect(window.location.pathname).toBe('/admin/alerts/t1'));
    expect(posts(sent)[0]?.body).toMatchObject({
      kind: 'email',
      email: {
        host: 'smtp.example.com',
        port: 465,
        security: 'tls',
        username: 'powerdeck',
        password: 's3cret pw',
        from: 'powerdeck@example.com',
        to: ['oncall@example.com', 'ops@example.com'],
      },
    });
  });

  it("shows the BFF's refusal by the field it names, a taken name by the name, else at the top", async () => {
    let answer = json({ error: 'webhook.url must name a host', code: 'invalid_alert_target' }, 400);
    const { sent } = serve(() => answer);
    const { user, form } = await openNew();
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Hook');
    await user.type(within(form).getByRole('textbox', { name: 'URL' }), 'https://hooks.example.com/x');
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    const url = within(form).getByRole('textbox', { name: 'URL' });
    await vi.waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(url.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      'Must name a host',
    );
    expect(document.activeElement).toBe(url);

    answer = json(
      { error: 'An alert target named "Hook" exists already: choose another name.', code: 'exists' },
      409,
    );
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    const name = within(form).getByRole('textbox', { name: 'Name' });
    await vi.waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(url.getAttribute('aria-invalid')).toBeNull();
    expect(form.textContent).toContain('An alert target named "Hook" exists already: choose another name.');

    answer = json(
      {
        error: 'Powerdeck keeps at most 50 alert targets: delete one you no longer use first',
        code: 'conflict',
      },
      409,
    );
    await user.click(within(form).getByRole('button', { name: 'Create target' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'Could not create the target: Powerdeck keeps at most 50 alert targets: delete one you no longer use first',
    );
    // Nothing typed is lost.
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'URL' }).value).toBe(
      'https://hooks.example.com/x',
    );
    expect(posts(sent)).toHaveLength(3);
  });
});

describe('editing a target', () => {
  function edit(t = target()) {
    const user = userEvent.setup();
    renderInApp(
      <>
        <h2 id="settings">Settings</h2>
        <TargetForm
          target={t}
          vms={FLEET}
          labelledBy="settings"
          headingLevel="h3"
          onCancel={() => undefined}
        />
      </>,
    );
    return { user, form: screen.getByRole('form', { name: 'Settings' }) };
  }
  const inputs = (form: HTMLElement) => [...form.querySelectorAll('input, textarea')] as HTMLInputElement[];

  it('e-mail: the password is "set", never prefilled; kept unless replaced', async () => {
    const { sent } = serve((body) => json(target({ kind: 'email', name: body.name })));
    const { user, form } = edit(target({ kind: 'email' }));
    expect(within(form).queryByLabelText(/password/i)).toBeNull();
    expect(form.textContent).toContain('PasswordSet · stored encrypted, never shown again');
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'To' }).value).toBe(
      'oncall@example.com, ops@example.com',
    );
    expect(within(form).queryByRole('radio', { name: 'Slack' })).toBeNull();

    await user.click(within(form).getByRole('button', { name: 'Save target' }));
    await vi.waitFor(() => expect(posts(sent)).toHaveLength(1));
    expect(posts(sent)[0]?.body).not.toHaveProperty('email.password');
    expect(await within(form).findByText('Saved On-call hook.')).toBeTruthy();

    await user.click(within(form).getByRole('button', { name: 'Replace password' }));
    const pw = within(form).getByLabelText<HTMLInputElement>('New password');
    expect(pw.value).toBe('');
    expect(pw.type).toBe('password');
    await user.type(pw, 'new-pass');
    await user.click(within(form).getByRole('button', { name: 'Save target' }));
    await vi.waitFor(() => expect(posts(sent)).toHaveLength(2));
    expect(posts(sent)[1]?.body).toMatchObject({ email: { password: 'new-pass' } });
    // Saved: the typed password is gone from the page, "Set" again.
    await vi.waitFor(() => expect(within(form).queryByLabelText('New password')).toBeNull());
    expect(inputs(form).some((i) => i.value === 'new-pass')).toBe(false);
  });

  it('Slack: the URL is "set" with its host only; a replacement is sent, keeping it is not', async () => {
    const { sent } = serve((body) => json(target({ kind: 'slack', name: body.name })));
    const { user, form } = edit(target({ kind: 'slack', name: 'On-call Slack' }));
    expect(form.textContent).toContain('Webhook URLSet (hooks.slack.com)');
    expect(inputs(form).filter((i) => /hooks|https?:/.test(i.value))).toEqual([]);
    await user.click(within(form).getByRole('button', { name: 'Replace webhook URL' }));
    await user.type(
      within(form).getByRole('textbox', { name: 'New webhook URL' }),
      'https://hooks.slack.com/services/NEW',
    );
    await user.click(within(form).getByRole('button', { name: 'Keep the current webhook URL' }));
    await user.click(within(form).getByRole('button', { name: 'Save target' }));
    await vi.waitFor(() => expect(posts(sent)).toHaveLength(1));
    expect(posts(sent)[0]?.body).toMatchObject({ kind: 'slack', slack: {} });
    expect(posts(sent)[0]?.body).not.toHaveProperty('slack.url');

    await user.click(within(form).getByRole('button', { name: 'Replace webhook URL' }));
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'New webhook URL' }).value).toBe('');
    await user.type(
      within(form).getByRole('textbox', { name: 'New webhook URL' }),
      'https://hooks.slack.com/services/NEW',
    );
    await user.click(within(form).getByRole('button', { name: 'Save target' }));
    await vi.waitFor(() => expect(posts(sent)).toHaveLength(2));
    expect(posts(sent)[1]?.body).toMatchObject({ slack: { url: 'https://hooks.slack.com/services/NEW' } });
  });

  it('a webhook: its URL and matchers prefilled, the signing secret not; a new VM filter is sent', async () => {
    const { sent } = serve((body) => json(target({ name: body.name })));
    const { user, form } = edit(target({ events: ['vm_down'], vmFilter: 'prod', minSeverity: 'warning' }));
    expect(within(form).getByRole<HTMLInputElement>('textbox', { name: 'URL' }).value).toBe(
      'https://hooks.example.com/powerdeck',
    );
    expect(within(form).queryByLabelText(/signing secret/i)).toBeNull();
    expect(
      within(form).getByRole<HTMLInputElement>('checkbox', { name: 'VM down unexpectedly' }).checked,
    ).toBe(true);
    const filter = within(form).getByRole<HTMLInputElement>('textbox', { name: 'VM filter' });
    expect(filter.value).toBe('prod');
    await user.clear(filter);
    await user.type(filter, 'prod-db');
    await user.click(within(form).getByRole('button', { name: 'Save target' }));
    await vi.waitFor(() => expect(posts(sent)).toHaveLength(1));
    expect(posts(sent)[0]).toMatchObject({
      method: 'PUT',
      url: '/api/alerts/targets/t1',
      body: {
        kind: 'webhook',
        webhook: { url: 'https://hooks.example.com/powerdeck' },
        events: ['vm_down'],
        vmFilter: 'prod-db',
        minSeverity: 'warning',
      },
    });
    expect(posts(sent)[0]?.body).not.toHaveProperty('webhook.secret');
  });
});
