// Sign-in (`/admin/sign-in`, admins): whether people may still sign in with a password once single sign-on is on.
// "Everyone may use a password", or "Only these local admins (break glass)": the named enabled local admins keep
// a password for when the identity provider is down; everyone else must use single sign-on, and saving ends the
// password sessions of everyone not named (the BFF does it, and audits the change). With single sign-on off the
// second choice cannot be made; the page says why. The BFF's refusal (422) shows in place, in its words.
//
// `sso` comes from the app layer (the public sign-in options): null when single sign-on is off, undefined while
// not known.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Choice } from '../../../components/ui/choice';
import { LoadError } from '../../../components/ui/data-table';
import { FormError } from '../../../components/ui/field';
import { Page } from '../../../components/ui/page';
import type { UserRow } from '@powerdeck/contracts/auth';
import type { PasswordSignInMode, SignInSettings } from '@powerdeck/contracts/sso';
import { signInSettingsQueries, useSaveSignInSettings } from '../api/sign-in-settings-queries';
import { usersQueries } from '../api/users-queries';
import {
  breakGlassCandidates,
  offeredAdmins,
  PASSWORD_SIGN_IN_WORDS,
  savedNotice,
  settingsProblem,
} from '../lib/sign-in-settings';

const MODES: readonly PasswordSignInMode[] = ['everyone', 'break-glass'];

type Sso = { providerName: string } | null | undefined;

function AdminsField({
  users,
  chosen,
  onChange,
}: {
  users: readonly UserRow[];
  chosen: readonly string[];
  onChange: (next: string[]) => void;
}) {
  const offered = offeredAdmins(breakGlassCandidates(users), chosen);
  const toggle = (name: string, on: boolean) =>
    onChange(on ? [...chosen.filter((n) => n !== name), name] : chosen.filter((n) => n !== name));
  return (
    <fieldset className="space-y-1.5">
      <legend className="text-sm font-medium">Local admins who may use a password</legend>
      {offered.length === 0 ? (
        <p className="text-sm text-muted">
          There is no enabled local admin to choose: add one on the Users page (an admin with a password)
          first.
        </p>
      ) : (
        <ul className="space-y-1">
          {offered.map(({ username, candidate }) => (
            <li key={username}>
              <label className="inline-flex items-center gap-1.5 text-sm">
                <input
                  type="checkbox"
                  checked={chosen.includes(username)}
                  onChange={(e) => toggle(username, e.target.checked)}
                  className="size-4 accent-accent"
                />
                <span className="break-all">{username}</span>
                {!candidate && <span className="text-xs text-warn">(not an enabled local admin)</span>}
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function SettingsForm({ saved, users, sso }: { saved: SignInSettings; users: readonly UserRow[]; sso: Sso }) {
  const [mode, setMode] = useState<PasswordSignInMode>(saved.passwordSignIn);
  const [admins, setAdmins] = useState<string[]>(saved.breakGlassAdmins);
  const [tried, setTried] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useSaveSignInSettings();
  const ssoOff = sso === null;
  const provider = sso?.providerName ?? null;
  // The list is kept while "everyone" is chosen (so switching back restores it), and sent only for break glass.
  const body: SignInSettings = { passwordSignIn: mode, breakGlassAdmins: mode === 'everyone' ? [] : admins };
  const problem = tried ? settingsProblem(body, !ssoOff) : null;

  function submit() {
    setTried(true);
    setNotice(null);
    if (settingsProblem(body, !ssoOff)) return;
    save.mutate(body, { onSuccess: (answer) => setNotice(savedNotice(answer, provider)) });
  }

  return (
    <form
      aria-label="Password sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      className="max-w-2xl space-y-4 rounded-lg border border-line bg-panel p-5 shadow-xs"
    >
      <Choice
        legend="Password sign-in"
        value={mode}
        options={MODES}
        words={PASSWORD_SIGN_IN_WORDS}
        disabled={{ 'break-glass': ssoOff && saved.passwordSignIn !== 'break-glass' }}
        onChange={(m) => {
          setMode(m);
          setNotice(null);
        }}
        className="flex-col"
      />
      <p className="text-sm text-muted">
        {ssoOff
          ? 'Single sign-on is not configured on this server (POWERDECK_OIDC_ISSUER), so break glass cannot be turned on: everyone signs in with a password.'
          : `With break glass, only the local admins chosen below may sign in with a password, for when ${
              provider ?? 'the identity provider'
            } cannot be used; everyone else signs in with ${
              provider ?? 'single sign-on'
            }. Saving ends the password sessions of everyone else at once.`}
      </p>
      {mode === 'break-glass' && <AdminsField users={users} chosen={admins} onChange={setAdmins} />}
      {problem && <FormError>{problem}</FormError>}
      {save.isError && <FormError>Could not save: {save.error.message}</FormError>}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" loading={save.isPending}>
          Save
        </Button>
        <p role="status" className="text-sm text-ok empty:hidden">
          {notice ?? ''}
        </p>
      </div>
    </form>
  );
}

export function SignInSettingsPage({ sso }: { sso?: Sso }) {
  const settings = useQuery(signInSettingsQueries.current());
  const users = useQuery(usersQueries.list());

  let content;
  if (settings.data && users.data) {
    content = <SettingsForm saved={settings.data} users={users.data} sso={sso} />;
  } else if (settings.error && !settings.data) {
    content = (
      <LoadError what="the sign-in settings" error={settings.error} onRetry={() => void settings.refetch()} />
    );
  } else if (users.error && !users.data) {
    content = <LoadError what="the users" error={users.error} onRetry={() => void users.refetch()} />;
  } else {
    content = <p className="py-6 text-sm text-muted">Loading…</p>;
  }

  return (
    <Page title="Sign-in">
      <p className="max-w-3xl text-sm text-muted">
        {sso
          ? `People sign in with ${sso.providerName}; their role comes from its groups. Decide here who may still use a Powerdeck password.`
          : 'Decide here who may sign in with a Powerdeck password.'}
      </p>
      {content}
    </Page>
  );
}
