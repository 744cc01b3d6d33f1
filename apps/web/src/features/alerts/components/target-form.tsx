// The alert target form (`/admin/alerts/new`, and the settings on a target's page): a name and a kind, the kind's
// own fields (a webhook's URL and optional signing secret; a Slack or Teams incoming webhook's URL; an SMTP server,
// its security, sign-in, sender and recipients), then what the target gets (events, a VM filter with the VMs it
// matches now, a minimum severity), how often (cool-down, digest threshold) and whether it is on. Editing, a
// secret is never shown (the BFF never answers one): "Set", with a button to replace it; left empty, the BFF keeps
// it. Problems show by their fields once the admin tries to save, with a count by the button; a refusal from the
// BFF shows by the field its words name, else at the top; nothing typed is lost.
import {
  ALERT_EVENTS,
  ALERT_SEVERITIES,
  COOLDOWN_MINUTES,
  DIGEST_THRESHOLD,
  EVENT_SEVERITY,
  EVENT_WORDS,
  MAX_TARGET_NAME,
  SMTP_SECURITY,
  TARGET_KINDS,
  TARGET_KIND_WORDS,
} from '@powerdeck/contracts/alert-terms';
import type { AlertTarget, AlertTargetCreated } from '@powerdeck/contracts/alerts';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { Choice } from '../../../components/ui/choice';
import { Field, fieldAria, FormError, INPUT, SelectField, TextField } from '../../../components/ui/field';
import { isApiError } from '../../../lib/api-client';
import type { PickableVm } from '../../../lib/vm-targets';
import { useCreateTarget, useUpdateTarget } from '../api/alerts-queries';
import {
  draftFromTarget,
  draftProblems,
  emptyDraft,
  hasProblems,
  refusalField,
  refusalWords,
  targetBody,
  withEvent,
  withSecurity,
  type FieldKey,
  type TargetDraft,
  type TargetProblems,
} from '../lib/draft';
import { SECURITY_HINTS, SECURITY_WORDS, SEVERITY_CHOICES } from '../lib/words';
import { VmFilterField } from './vm-filter-field';

const SECTION = 'space-y-3 rounded-lg border border-line bg-panel p-4 shadow-xs';

/** A password-like field (a signing secret, an SMTP password): typed, never shown back, kept out of autofill. */
function SecretInput({
  id,
  label,
  value,
  onChange,
  problem,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem?: string | undefined;
  hint?: string;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <Field id={id} label={label} problem={problem}>
      <input
        id={id}
        type="password"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="new-password"
        spellCheck={false}
        {...fieldAria(id, problem, hintId)}
        className={`${INPUT} font-mono`}
      />
      {hint && (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      )}
    </Field>
  );
}

/**
 * A secret the BFF holds, editing: "Set" and a button to replace it; once pressed, the field to type the new one
 * (`children`) and a button to keep the current one after all.
 */
function SavedSecret({
  what,
  detail,
  replacing,
  onReplacing,
  children,
}: {
  /** "signing secret", "webhook URL", "password". */
  what: string;
  /** More about the one set ("hooks.slack.com"). */
  detail?: string;
  replacing: boolean;
  onReplacing: (replacing: boolean) => void;
  children: ReactNode;
}) {
  const label = what.charAt(0).toUpperCase() + what.slice(1);
  if (replacing) {
    return (
      <div className="space-y-1.5">
        {children}
        <Button size="sm" variant="ghost" onClick={() => onReplacing(false)}>
          Keep the current {what}
        </Button>
      </div>
    );
  }
  return (
    <div className="space-y-1">
      <p className="text-sm font-medium">{label}</p>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
        <p className="text-sm">
          <span className="font-medium">Set</span>
          {detail && <span> ({detail})</span>}
          <span className="text-muted"> · stored encrypted, never shown again</span>
        </p>
        <Button size="sm" onClick={() => onReplacing(true)}>
          Replace {what}
        </Button>
      </div>
    </div>
  );
}

export interface TargetFormProps {
  /** The target to edit; absent: a new one. */
  target?: AlertTarget;
  /** The fleet snapshot's VMs, for the VM filter's "match now". */
  vms: readonly PickableVm[];
  /** The id of the heading that names the form. */
  labelledBy: string;
  /** Its sections' headings: `h3` under the page's heading, `h4` under a section's. */
  headingLevel: 'h3' | 'h4';
  onCreated?: (answer: AlertTargetCreated) => void;
  onSaved?: (target: AlertTarget) => void;
  onCancel: () => void;
}

export function TargetForm({
  target,
  vms,
  labelledBy,
  headingLevel: H,
  onCreated,
  onSaved,
  onCancel,
}: TargetFormProps) {
  const id = useId();
  const [draft, setDraft] = useState<TargetDraft>(() => (target ? draftFromTarget(target) : emptyDraft()));
  const [tried, setTried] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // Each refused save takes the admin to its first problem: the first invalid field, or the words at the top.
  const [attempts, setAttempts] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const create = useCreateTarget();
  const update = useUpdateTarget();
  const request = target ? update : create;
  useEffect(() => {
    if (attempts === 0) return;
    const form = formRef.current;
    const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (field) field.focus();
    else form?.querySelector('[data-problem]')?.scrollIntoView?.({ block: 'center' });
  }, [attempts]);

  const problems: TargetProblems = tried ? draftProblems(draft) : {};
  const refusal = request.error;
  const refusedField = refusal && isApiError(refusal) ? refusalField(refusal) : null;
  const problem = (field: FieldKey): string | undefined =>
    refusal && refusedField === field ? refusalWords(refusal.message) : problems[field];
  const change = (patch: Partial<TargetDraft>) => {
    setNotice(null);
    setDraft((d) => ({ ...d, ...patch }));
  };
  // Replacing a secret starts from an empty field, and so does keeping the current one after all (a Slack or
  // Teams target's URL is its secret).
  const chatUrl = (d: TargetDraft) => (d.kind === 'slack' || d.kind === 'teams' ? { url: '' } : {});
  const replacing = (on: boolean) =>
    setDraft((d) =>
      d.saved ? { ...d, saved: { ...d.saved, replacing: on }, secret: '', password: '', ...chatUrl(d) } : d,
    );

  function save() {
    setTried(true);
    setNotice(null);
    if (hasProblems(draftProblems(draft))) {
      setAttempts((n) => n + 1);
      return;
    }
    const body = targetBody(draft);
    const refused = { onError: () => setAttempts((n) => n + 1) };
    if (target) {
      update.mutate(
        { id: target.id, body },
        {
          ...refused,
          onSuccess: (saved) => {
            // The saved settings, and the secret fields empty again (what was typed is now stored, not shown).
            setDraft(draftFromTarget(saved));
            setTried(false);
            setNotice(`Saved ${saved.name}.`);
            onSaved?.(saved);
          },
        },
      );
    } else {
      create.mutate(body, { ...refused, onSuccess: (answer) => onCreated?.(answer) });
    }
  }

  const wrong = Object.keys(problems).length;
  const s = target?.settings;
  const chatHost = s && (s.kind === 'slack' || s.kind === 'teams') ? s.host : undefined;

  return (
    <form
      ref={formRef}
      aria-labelledby={labelledBy}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
      className="max-w-3xl space-y-4"
    >
      {refusal && refusedField === null && (
        <div data-problem>
          <FormError>
            {target ? 'Could not save' : 'Could not create the target'}: {refusal.message}
          </FormError>
        </div>
      )}

      <section aria-labelledby={`${id}-where`} className={SECTION}>
        <H id={`${id}-where`} className="text-sm font-semibold">
          Where alerts go
        </H>
        <TextField
          id={`${id}-name`}
          label="Name"
          value={draft.name}
          maxLength={MAX_TARGET_NAME}
          placeholder="e.g. On-call Slack"
          autoComplete="off"
          onChange={(name) => change({ name })}
          problem={problem('name')}
        />
        {target ? (
          <p className="text-sm">
            <span className="font-medium">Kind:</span> {TARGET_KIND_WORDS[draft.kind]}
            <span className="text-muted"> (to change it, add a new target)</span>
          </p>
        ) : (
          <Choice
            legend="Kind"
            value={draft.kind}
            options={TARGET_KINDS}
            words={TARGET_KIND_WORDS}
            onChange={(kind) => change({ kind })}
          />
        )}

        {draft.kind === 'webhook' && (
          <>
            <TextField
              id={`${id}-url`}
              label="URL"
              value={draft.url}
              placeholder="e.g. https://alerts.example.com/powerdeck"
              autoComplete="off"
              spellCheck={false}
              inputMode="url"
              onChange={(url) => change({ url })}
              problem={problem('url')}
            />
            {draft.saved?.set ? (
              <SavedSecret what="signing secret" replacing={draft.saved.replacing} onReplacing={replacing}>
                <SecretInput
                  id={`${id}-secret`}
                  label="New signing secret"
                  value={draft.secret}
                  onChange={(secret) => change({ secret })}
                  problem={problem('secret')}
                  hint="whsec_ and the base64 of 24 to 64 random bytes; empty keeps the current one."
                />
              </SavedSecret>
            ) : (
              <SecretInput
                id={`${id}-secret`}
                label="Signing secret (optional)"
                value={draft.secret}
                onChange={(secret) => change({ secret })}
                problem={problem('secret')}
                hint="Every message is signed (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). Leave it empty and Powerdeck makes a secret and shows it once; or paste your own, whsec_ and the base64 of 24 to 64 random bytes."
              />
            )}
          </>
        )}

        {(draft.kind === 'slack' || draft.kind === 'teams') &&
          (draft.saved ? (
            <SavedSecret
              what="webhook URL"
              detail={chatHost}
              replacing={draft.saved.replacing}
              onReplacing={replacing}
            >
              <TextField
                id={`${id}-url`}
                label="New webhook URL"
                value={draft.url}
                autoComplete="off"
                spellCheck={false}
                inputMode="url"
                onChange={(url) => change({ url })}
                problem={problem('url')}
              />
            </SavedSecret>
          ) : (
            <div className="space-y-1">
              <TextField
                id={`${id}-url`}
                label="Webhook URL"
                value={draft.url}
                placeholder={
                  draft.kind === 'slack'
                    ? 'e.g. https://hooks.slack.com/services/…'
                    : 'e.g. https://….webhook.office.com/…'
                }
                autoComplete="off"
                spellCheck={false}
                inputMode="url"
                onChange={(url) => change({ url })}
                problem={problem('url')}
              />
              <p className="text-xs text-muted">
                {draft.kind === 'slack'
                  ? "The incoming webhook's URL from Slack (an app's Incoming Webhooks, or a workflow)."
                  : "The incoming webhook's URL from Teams (a channel's Workflows or Connectors)."}{' '}
                The URL is the secret: it is stored encrypted and only its host is shown again.
              </p>
            </div>
          ))}

        {draft.kind === 'email' && (
          <>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-[3fr_1fr]">
              <TextField
                id={`${id}-host`}
                label="SMTP host"
                value={draft.host}
                placeholder="e.g. smtp.example.com"
                autoComplete="off"
                spellCheck={false}
                onChange={(host) => change({ host })}
                problem={problem('host')}
              />
              <TextField
                id={`${id}-port`}
                label="Port"
                value={draft.port}
                inputMode="numeric"
                onChange={(port) => change({ port })}
                problem={problem('port')}
              />
            </div>
            <div className="space-y-1">
              <Choice
                legend="Security"
                value={draft.security}
                options={SMTP_SECURITY}
                words={SECURITY_WORDS}
                onChange={(security) => {
                  setNotice(null);
                  setDraft((d) => withSecurity(d, security));
                }}
              />
              <p className={`text-xs ${draft.security === 'none' ? 'text-warn' : 'text-muted'}`}>
                {SECURITY_HINTS[draft.security]}
              </p>
              {problem('security') && <p className="text-xs text-bad">{problem('security')}</p>}
            </div>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <TextField
                id={`${id}-username`}
                label="User name"
                value={draft.username}
                placeholder="empty: no sign-in"
                autoComplete="off"
                spellCheck={false}
                onChange={(username) => change({ username })}
                problem={problem('username')}
              />
              {draft.saved?.set ? (
                <SavedSecret what="password" replacing={draft.saved.replacing} onReplacing={replacing}>
                  <SecretInput
                    id={`${id}-password`}
                    label="New password"
                    value={draft.password}
                    onChange={(password) => change({ password })}
                    problem={problem('password')}
                    hint="Empty keeps the current one."
                  />
                </SavedSecret>
              ) : (
                <SecretInput
                  id={`${id}-password`}
                  label="Password"
                  value={draft.password}
                  onChange={(password) => change({ password })}
                  problem={problem('password')}
                />
              )}
            </div>
            <TextField
              id={`${id}-from`}
              label="From"
              value={draft.from}
              placeholder="e.g. powerdeck@example.com"
              autoComplete="off"
              spellCheck={false}
              inputMode="email"
              onChange={(from) => change({ from })}
              problem={problem('from')}
            />
            <Field id={`${id}-to`} label="To" problem={problem('to')}>
              <textarea
                id={`${id}-to`}
                value={draft.to}
                rows={2}
                placeholder="e.g. oncall@example.com, ops@example.com"
                spellCheck={false}
                onChange={(e) => change({ to: e.target.value })}
                {...fieldAria(`${id}-to`, problem('to'), `${id}-to-hint`)}
                className={`${INPUT} h-auto py-1.5`}
              />
              <p id={`${id}-to-hint`} className="text-xs text-muted">
                One or more addresses, separated by commas or on lines of their own (at most 20).
              </p>
            </Field>
          </>
        )}
      </section>

      <section aria-labelledby={`${id}-what`} className={SECTION}>
        <H id={`${id}-what`} className="text-sm font-semibold">
          What it gets
        </H>
        <fieldset className="space-y-1.5" aria-describedby={`${id}-events-hint`}>
          <legend className="text-sm font-medium">Events</legend>
          <p id={`${id}-events-hint`} className="text-xs text-muted">
            None ticked: every event, including any added later.
          </p>
          <ul className="grid grid-cols-1 gap-x-6 gap-y-1 sm:grid-cols-2">
            {ALERT_EVENTS.map((e) => (
              <li key={e} className="flex items-center gap-1.5">
                <input
                  id={`${id}-event-${e}`}
                  type="checkbox"
                  checked={draft.events.includes(e)}
                  onChange={(ev) => {
                    setNotice(null);
                    setDraft((d) => withEvent(d, e, ev.target.checked));
                  }}
                  className="size-4 shrink-0 accent-accent"
                />
                <label htmlFor={`${id}-event-${e}`} className="text-sm">
                  {EVENT_WORDS[e]}
                </label>
                <span className="text-xs text-muted">{EVENT_SEVERITY[e]}</span>
              </li>
            ))}
          </ul>
          {problem('events') && <p className="text-xs text-bad">{problem('events')}</p>}
        </fieldset>
        <VmFilterField
          id={`${id}-vm-filter`}
          value={draft.vmFilter}
          vms={vms}
          onChange={(vmFilter) => change({ vmFilter })}
          problem={problem('vmFilter')}
        />
        <div className="max-w-xs">
          <SelectField
            id={`${id}-severity`}
            label="Minimum severity"
            value={draft.minSeverity}
            options={ALERT_SEVERITIES}
            optionLabel={(s) => SEVERITY_CHOICES[s]}
            onChange={(minSeverity) => change({ minSeverity })}
          />
          {problem('minSeverity') && <p className="mt-1 text-xs text-bad">{problem('minSeverity')}</p>}
        </div>
      </section>

      <section aria-labelledby={`${id}-often`} className={SECTION}>
        <H id={`${id}-often`} className="text-sm font-semibold">
          How often
        </H>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <div className="space-y-1">
            <TextField
              id={`${id}-cooldown`}
              label="Cool-down (minutes)"
              value={draft.cooldown}
              inputMode="numeric"
              placeholder={String(COOLDOWN_MINUTES.default)}
              onChange={(cooldown) => change({ cooldown })}
              problem={problem('cooldown')}
            />
            <p className="text-xs text-muted">
              At most one alert per VM and event within this many minutes; 0 sends every one.
            </p>
          </div>
          <div className="space-y-1">
            <TextField
              id={`${id}-digest`}
              label="Digest threshold (VMs)"
              value={draft.digest}
              inputMode="numeric"
              placeholder={String(DIGEST_THRESHOLD.default)}
              onChange={(digest) => change({ digest })}
              problem={problem('digest')}
            />
            <p className="text-xs text-muted">
              When more VMs than this go down within a minute, one message lists them all.
            </p>
          </div>
        </div>
        <label className="inline-flex items-center gap-1.5 text-sm">
          <input
            type="checkbox"
            checked={draft.enabled}
            onChange={(e) => change({ enabled: e.target.checked })}
            className="size-4 accent-accent"
          />
          Enabled
        </label>
        {!draft.enabled && (
          <p className="text-xs text-muted">
            A disabled target gets nothing, not even queued; a test still goes.
          </p>
        )}
      </section>

      <div className="flex flex-wrap items-center justify-end gap-2">
        {wrong > 0 && (
          <p role="alert" className="mr-auto text-sm text-bad">
            {wrong === 1 ? 'Fix the problem marked above' : `Fix the ${wrong} problems marked above`}
          </p>
        )}
        <p role="status" className="mr-auto text-sm text-ok empty:hidden">
          {notice ?? ''}
        </p>
        <Button onClick={onCancel}>{target ? 'Back to the list' : 'Cancel'}</Button>
        <Button type="submit" variant="primary" loading={request.isPending}>
          {target ? 'Save target' : 'Create target'}
        </Button>
      </div>
    </form>
  );
}
