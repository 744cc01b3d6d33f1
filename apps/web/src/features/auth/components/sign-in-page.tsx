// The sign-in form, shown in place of the page the person asked for (the address stays, so they land there
// once signed in). It says only what the server said: one generic message for a wrong user name or password,
// never which of the two; how long to wait when locked out.
import { useId, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { useSignIn } from '../api/session-mutations';
import { useSignInNotice } from '../lib/session-notice';
import { returnPathAfterSignIn, signInErrorText } from '../lib/sign-in';
import { AuthFrame, Notice, PANEL } from './auth-frame';

const INPUT =
  'block h-10 w-full rounded-md border border-field bg-panel px-3 text-sm text-ink shadow-xs ' +
  'hover:border-muted disabled:opacity-60';

export function SignInPage({ demo = false }: { demo?: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [, navigate] = useLocation();
  const signIn = useSignIn(() => {
    // The address stays what the person asked for, unless that is no page to land on.
    const { pathname, search, hash } = window.location;
    const next = returnPathAfterSignIn({ pathname, search, hash });
    if (next !== `${pathname}${search}${hash}`) navigate(next, { replace: true });
  });
  const notice = useSignInNotice();
  const headingId = useId();
  const userId = useId();
  const passwordId = useId();

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (signIn.isPending) return;
    signIn.mutate({ username: username.trim(), password });
  }

  const pending = signIn.isPending;
  const message = signIn.isError ? signInErrorText(signIn.error) : notice;

  return (
    <AuthFrame demo={demo}>
      <form aria-labelledby={headingId} onSubmit={submit} className={`${PANEL} space-y-4`}>
        <h1 id={headingId} className="text-base font-semibold">
          Sign in
        </h1>
        {message && <Notice tone={signIn.isError ? 'bad' : 'warn'}>{message}</Notice>}
        <div className="space-y-1.5">
          <label htmlFor={userId} className="block text-sm font-medium">
            User name
          </label>
          <input
            id={userId}
            name="username"
            autoFocus
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
    </AuthFrame>
  );
}
