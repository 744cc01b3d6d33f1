// A delivery as each kind of target receives it (alerts/render.ts): the webhook's body is exactly the contract's
// WebhookPayload; Slack gets a one-line text and Block Kit blocks within Slack's limits, with VM names escaped so
// that a name cannot ping a channel; Teams gets one Adaptive Card in the message envelope its webhooks take, with a
// link button only when there is a link; an e-mail gets a subject, a text and an escaped HTML body. A digest names
// at most 20 VMs in a chat message and says how many more.
import { WebhookPayload } from '@powerdeck/contracts/alerts';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import {
  CHAT_DIGEST_VMS,
  render,
  renderEmail,
  renderSlack,
  renderTeams,
  renderWebhook,
  type AlertData,
  type DeliveryToRender,
  type SlackBlock,
} from '../src/alerts/render';

const AT = '2026-03-01T10:00:00.000Z';

function delivery(data: Partial<AlertData> & Pick<AlertData, 'event' | 'title'>): DeliveryToRender {
  const severity = data.severity ?? 'critical';
  return {
    event: data.event,
    severity,
    title: data.title,
    createdAt: AT,
    payload: JSON.stringify({ text: '', ...data, severity }),
  };
}

const down = delivery({
  event: 'vm_down',
  title: 'VM web-01 is down unexpectedly (error)',
  text: 'It was running on node1 and stopped without a power action from Powerdeck.',
  vm: { key: 12, name: 'web-01', status: 'error', node: 'node1' },
  url: 'https://powerdeck.example.com/vms/12',
});

/** A name chosen to break each format: Slack's markup, HTML, a mention. */
const NASTY = '<!channel> a&b <script>x</script>';

function digest(count: number): DeliveryToRender {
  return delivery({
    event: 'vm_down_digest',
    title: `${count} VMs down unexpectedly`,
    vms: Array.from({ length: count }, (_, i) => ({ key: i + 1, name: `vm-${i + 1}`, status: 'stopped' })),
  });
}

function slackText(blocks: SlackBlock[]): string {
  return JSON.stringify(blocks);
}

describe('webhook', () => {
  it('is the contract’s WebhookPayload: type powerdeck.<event>, the time queued, the data', () => {
    const body = renderWebhook(down);
    expect(Value.Check(WebhookPayload, body)).toBe(true);
    expect(body).toEqual({
      type: 'powerdeck.vm_down',
      timestamp: AT,
      data: {
        event: 'vm_down',
        severity: 'critical',
        title: 'VM web-01 is down unexpectedly (error)',
        text: 'It was running on node1 and stopped without a power action from Powerdeck.',
        vm: { key: 12, name: 'web-01', status: 'error', node: 'node1' },
        url: 'https://powerdeck.example.com/vms/12',
      },
    });
  });

  it('carries only the contract’s fields, whatever else was stored', () => {
    const d = { ...down, payload: JSON.stringify({ ...JSON.parse(down.payload), internal: 'x' }) };
    expect(Object.keys(renderWebhook(d).data)).not.toContain('internal');
  });

  it('still says what happened when the stored payload does not parse', () => {
    const body = renderWebhook({ ...down, payload: '{not json' });
    expect(Value.Check(WebhookPayload, body)).toBe(true);
    expect(body.data.title).toBe('VM web-01 is down unexpectedly (error)');
  });
});

describe('Slack', () => {
  it('has a one-line text and a header, section, fields and a context with the link', () => {
    const m = renderSlack(down);
    expect(m.text).toBe('VM web-01 is down unexpectedly (error)');
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'VM web-01 is down unexpectedly (error)', emoji: true },
    });
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    const fields = m.blocks.flatMap((b) => (b.type === 'section' && b.fields ? b.fields : []));
    expect(fields.map((f) => f.text)).toEqual([
      '*VM*\nweb-01',
      '*Status*\nerror',
      '*Node*\nnode1',
      '*Severity*\nCritical',
    ]);
    const context = m.blocks.at(-1);
    expect(JSON.stringify(context)).toContain('<https://powerdeck.example.com/vms/12|Open in Powerdeck>');
  });

  it('escapes &, < and > in names and text, so a VM name cannot ping the channel', () => {
    const m = renderSlack(
      delivery({
        event: 'vm_down',
        title: `VM ${NASTY} is down unexpectedly (error)`,
        text: `VM ${NASTY} stopped`,
        vm: { key: 1, name: NASTY, status: 'error', node: null },
      }),
    );
    const all = m.text + slackText(m.blocks.filter((b) => b.type !== 'header'));
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<script>');
    expect(m.text).toBe(
      'VM &lt;!channel&gt; a&amp;b &lt;script&gt;x&lt;/script&gt; is down unexpectedly (error)',
    );
    // The header is plain text: shown as it is, not parsed.
    expect(m.blocks[0]).toMatchObject({
      text: { type: 'plain_text', text: `VM ${NASTY} is down unexpectedly (error)` },
    });
  });

  it('keeps within Slack’s limits: a header of at most 150 characters', () => {
    const m = renderSlack(delivery({ event: 'vm_down', title: `VM ${'x'.repeat(300)} is down` }));
    const header = m.blocks[0];
    expect(header?.type).toBe('header');
    if (header?.type === 'header') expect(header.text.text.length).toBeLessThanOrEqual(150);
  });

  it('a digest of 30 lists 20 VMs, then "and 10 more"', () => {
    const m = renderSlack(digest(30));
    const text = slackText(m.blocks);
    expect(text).toContain('• vm-1 (stopped)');
    expect(text).toContain(`• vm-${CHAT_DIGEST_VMS} (stopped)`);
    expect(text).not.toContain(`vm-${CHAT_DIGEST_VMS + 1} `);
    expect(text).toContain('and 10 more');
    // No link without a public URL.
    expect(text).not.toContain('Open in Powerdeck');
  });

  it('a digest of 3 lists all three and nothing more', () => {
    const text = slackText(renderSlack(digest(3)).blocks);
    expect(text).toContain('• vm-3 (stopped)');
    expect(text).not.toContain('more');
  });
});

describe('Teams', () => {
  it('is a message with one Adaptive Card 1.4 attachment, and a link button', () => {
    const m = renderTeams(down);
    expect(m.type).toBe('message');
    expect(m.attachments).toHaveLength(1);
    const a = m.attachments[0];
    expect(a?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(a?.contentUrl).toBeNull();
    expect(a?.content).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      actions: [
        { type: 'Action.OpenUrl', title: 'Open in Powerdeck', url: 'https://powerdeck.example.com/vms/12' },
      ],
    });
    expect(a?.content.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'VM web-01 is down unexpectedly (error)',
      color: 'Attention',
      wrap: true,
    });
    expect(JSON.stringify(a?.content.body)).toContain('{"title":"VM","value":"web-01"}');
  });

  it('has no actions without a link, and a digest lists 20 VMs then "and N more"', () => {
    const card = renderTeams(digest(25)).attachments[0]?.content;
    expect(card?.actions).toBeUndefined();
    const vmFacts = card?.body.filter((e) => e.type === 'FactSet').at(-1);
    expect(vmFacts?.type === 'FactSet' && vmFacts.facts).toHaveLength(CHAT_DIGEST_VMS);
    expect(card?.body.at(-1)).toMatchObject({ type: 'TextBlock', text: 'and 5 more' });
  });

  it('back again is shown in green', () => {
    const card = renderTeams(
      delivery({ event: 'vm_back', severity: 'info', title: 'VM web-01 is running again' }),
    ).attachments[0]?.content;
    expect(card?.body[0]).toMatchObject({ color: 'Good' });
  });
});

describe('e-mail', () => {
  it('has the subject [Powerdeck] <title>, a text with the facts and the link', () => {
    const m = renderEmail(down);
    expect(m.subject).toBe('[Powerdeck] VM web-01 is down unexpectedly (error)');
    expect(m.text).toContain('VM web-01 is down unexpectedly (error)');
    expect(m.text).toContain('Node: node1');
    expect(m.text).toContain('Open in Powerdeck: https://powerdeck.example.com/vms/12');
    expect(m.html).toContain('<a href="https://powerdeck.example.com/vms/12">Open in Powerdeck</a>');
  });

  it('escapes names in the HTML, and keeps the subject on one line', () => {
    const m = renderEmail(
      delivery({
        event: 'vm_down',
        title: `VM ${NASTY}\nis down`,
        vm: { key: 1, name: NASTY, status: 'error', node: null },
      }),
    );
    expect(m.subject).toBe(`[Powerdeck] VM ${NASTY} is down`);
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(m.text).toContain(NASTY);
  });

  it('a digest lists every VM (up to 200)', () => {
    const m = renderEmail(digest(30));
    expect(m.text).toContain('- vm-30 (stopped)');
    expect(m.html).toContain('<li>vm-30 (stopped)</li>');
  });

  it('a link that is not http(s) is left out', () => {
    const m = renderEmail({ ...down, payload: JSON.stringify({ url: 'javascript:alert(1)' }) });
    expect(m.html).not.toContain('javascript:');
    expect(m.text).not.toContain('Open in Powerdeck');
  });
});

describe('render', () => {
  it('picks the format by the target’s kind', () => {
    expect(render(down, 'webhook')).toMatchObject({ kind: 'webhook', body: { type: 'powerdeck.vm_down' } });
    expect(render(down, 'slack')).toMatchObject({ kind: 'slack', body: { text: expect.any(String) } });
    expect(render(down, 'teams')).toMatchObject({ kind: 'teams', body: { type: 'message' } });
    expect(render(down, 'email')).toMatchObject({ kind: 'email', email: { subject: expect.any(String) } });
  });
});
