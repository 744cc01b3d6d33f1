// The sign-in page, shown in place of the page the person asked for (the address stays, so they land there
// once signed in). It says only what the server said: one generic message for a wrong user name or password,
// never which of the two; how long to wait when locked out; that password sign-in is off for them.
//
// With single sign-on on (`GET /api/sign-in-options`), "Sign in with <provider>" comes first, as the primary
// action: a plain link to the BFF, which sends the browser on to the identity provider and back to the page asked
// for. The password form follows it; when only named local admins may use a password ('break-glass') it is folded
// under "Sign in with a local account", saying it is for emergency admin accounts. Without single sign-on (or
// before the options are known to say so) the page is the password form alone.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { isApiError } from '../../../lib/api-client';
import { useSignIn } from '../api/session-mutations';
import { ssoQueries, ssoStartUrl } from '../api/sso-queries';
import { useSignInNotice } from '../lib/session-notice';
import { PASSWORD_SIGN_IN_OFF, returnPathAfterSignIn, signInErrorText } from '../lib/sign-in';
import { AuthFrame, Notice, PANEL } from './auth-frame';

const INPUT =
  'block h-10 w-full rounded-md border border-field bg-panel px-3 text-sm text-ink shadow-xs ' +
  'hover:border-muted disabled:opacity-60';

/** The primary button's look, on the link that starts a single sign-on. */
const SSO_LINK =
  'inline-flex h-10 w-full items-center justify-center gap-1.5 rounded-md bg-accent px-4 text-sm font-medium ' +
  'text-white shadow-sm transition-colors hover:bg-accent/90 active:bg-accent/80 focus-visible:outline-2 ' +
  'focus-visible:outline-offset-2 focus-visible:outline-accent dark:text-surface';

/** Where the person wanted to go: the address as it is (the sign-in page stands in for that page). */
function wantedPath(): string {
  const { pathname, search, hash } = window.location;
  return returnPathAfterSignIn({ pathname, search, hash });
}

type SignIn = ReturnType<typeof useSignIn>;

/** User name, password and the submit button; `label` names the form when it is not the whole panel. */
function PasswordForm({
  signIn,
  onSubmit,
  label,
  labelledBy,
  autoFocus,
  className,
  children,
}: {
  signIn: SignIn;
  onSubmit: (body: { username: string; password: string }) => void;
  label?: string;
  labelledBy?: string;
  autoFocus: boolean;
  className?: string;
  children?: ReactNode;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const userId = useId();
  const passwordId = useId();
  const pending = signIn.isPending;

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    onSubmit({ username: username.trim(), password });
  }

  return (
    <form aria-label={label} aria-labelledby={labelledBy} onSubmit={submit} className={className}>
      {children}
      <div className="space-y-1.5">
        <label htmlFor={userId} className="block text-sm font-medium">
          User name
        </label>
        <input
          id={userId}
          name="username"
          autoFocus={autoFocus}
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          required
          maxLength={200}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          className={INPUT}
        />
      </div>
      <div className="space-y-1.5">
        <label htmlFor={passwordId} className="block text-sm font-medium">
          Password
        </label>
        <input
          id={passwordId}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={1024}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={INPUT}
        />
      </div>
      <Button
        type="submit"
        variant="primary"
        size="lg"
        className="w-full"
        disabled={pending}
        loading={pending}
      >
        Sign in
      </Button>
    </form>
  );
}

/** "Sign in with a local account": the password form, folded away until asked for (a disclosure). */
function LocalAccount({
  providerName,
  children,
}: {
  providerName: string;
  children: (autoFocus: boolean) => ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const Chevron = open ? ChevronDown : ChevronRight;
  return (
    <div className="border-t border-line pt-3">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        className="inline-flex items-center gap-1 rounded-sm text-sm font-medium text-muted hover:text-ink focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent"
      >
        <Chevron aria-hidden="true" className="size-4" />
        Sign in with a local account
      </button>
      <div id={panelId} hidden={!open} className="mt-3 space-y-3">
        <p className="text-sm text-muted">
          For emergency admin accounts only, when {providerName} cannot be used. Everyone else signs in with{' '}
          {providerName}.
        </p>
        {open && children(true)}
      </div>
    </div>
  );
}

export function SignInPage({ demo = false }: { demo?: boolean }) {
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const options = useQuery(ssoQueries.options());
  const signIn = useSignIn(() => {
    // The address stays what the person asked for, unless that is no page to land on.
    const { pathname, search, hash } = window.location;
    const next = returnPathAfterSignIn({ pathname, search, hash });
    if (next !== `${pathname}${search}${hash}`) navigate(next, { replace: true });
  });
  const notice = useSignInNotice();
  const headingId = useId();

  function submit(body: { username: string; password: string }) {
    signIn.mutate(body, {
      onError: (e) => {
        // The policy changed since the page asked: show the page as it now is (the message stays above).
        if (isApiError(e) && e.code === PASSWORD_SIGN_IN_OFF) {
          void client.invalidateQueries({ queryKey: ssoQueries.options().queryKey });
        }
      },
    });
  }

  const message = signIn.isError ? signInErrorText(signIn.error) : notice;
  const notices = message && <Notice tone={signIn.isError ? 'bad' : 'warn'}>{message}</Notice>;
  const heading = (
    <h1 id={headingId} className="text-base font-semibold">
      Sign in
    </h1>
  );

  if (options.isPending) {
    return (
      <AuthFrame demo={demo}>
        <section aria-labelledby={headingId} className={`${PANEL} space-y-4`}>
          {heading}
          {notices}
          <p role="status" className="text-sm text-muted">
            Loading…
          </p>
        </section>
      </AuthFrame>
    );
  }

  // Options that could not be read: the password form, as without single sign-on (the server still decides).
  const sso = options.data?.sso ?? null;
  if (sso === null) {
    return (
      <AuthFrame demo={demo}>
        <PasswordForm
          signIn={signIn}
          onSubmit={submit}
          labelledBy={headingId}
          autoFocus
          className={`${PANEL} space-y-4`}
        >
          {heading}
          {notices}
        </PasswordForm>
      </AuthFrame>
    );
  }

  const breakGlass = options.data?.passwordSignIn === 'break-glass';
  return (
    <AuthFrame demo={demo}>
      <section aria-labelledby={headingId} className={`${PANEL} space-y-4`}>
        {heading}
        {notices}
        <a href={ssoStartUrl(wantedPath())} className={SSO_LINK}>
          Sign in with {sso.providerName}
        </a>
        {breakGlass ? (
          <LocalAccount providerName={sso.providerName}>
            {(autoFocus) => (
              <PasswordForm
                signIn={signIn}
                onSubmit={submit}
                label="Sign in with a local account"
                autoFocus={autoFocus}
                className="space-y-4"
              />
            )}
          </LocalAccount>
        ) : (
          <>
            <p className="flex items-center gap-3 text-xs text-muted" aria-hidden="true">
              <span className="h-px flex-1 bg-line" />
              or with a password
              <span className="h-px flex-1 bg-line" />
            </p>
            <PasswordForm
              signIn={signIn}
              onSubmit={submit}
              label="Sign in with a password"
              autoFocus={false}
              className="space-y-4"
            />
          </>
        )}
      </section>
    </AuthFrame>
  );
}
