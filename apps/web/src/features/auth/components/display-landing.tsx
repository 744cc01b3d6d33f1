// `/display#<secret>`: a wall display opens its link once; the page trades the secret for a display cookie and
// shows the wall view (`/wall`). The secret leaves the address bar at once (history.replaceState), so it is not
// left on screen, in the history or in a bookmark. The fragment never reaches a server or a Referer.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { Button } from '../../../components/ui/button';
import { NetworkError } from '../../../lib/api-client';
import { useDisplaySignIn } from '../api/session-mutations';
import { sessionQueries } from '../api/session-queries';
import { readDisplaySecret } from '../lib/sign-in';
import { AuthFrame, Notice, PANEL } from './auth-frame';

const DISPLAY_LINK_INVALID = 'This display link is not valid or was revoked';

export function DisplayLanding() {
  // Read during the first render, before the effect below wipes it.
  const [secret] = useState(() => readDisplaySecret(window.location.hash));
  const [, navigate] = useLocation();
  const signIn = useDisplaySignIn();
  const { mutate } = signIn;
  const started = useRef(false);
  // Without a secret (the page reloaded after the fragment was wiped), a display already signed in goes on.
  const session = useQuery({ ...sessionQueries.current(), enabled: secret === null });

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const { pathname, search, hash } = window.location;
    if (hash) window.history.replaceState(window.history.state, '', `${pathname}${search}`);
    if (secret !== null) mutate({ secret });
  }, [secret, mutate]);

  const signedIn = signIn.isSuccess || (secret === null && !!session.data);
  useEffect(() => {
    if (signedIn) navigate('/wall', { replace: true });
  }, [signedIn, navigate]);

  const noAnswer =
    signIn.error instanceof NetworkError ||
    (secret === null && session.isError && session.data === undefined);
  const invalid =
    (signIn.isError && !(signIn.error instanceof NetworkError)) || (secret === null && session.data === null);
  const headingId = useId();

  return (
    <AuthFrame>
      <section aria-labelledby={headingId} className={`${PANEL} space-y-4`}>
        <h1 id={headingId} className="text-base font-semibold">
          Wall display
        </h1>
        {invalid ? (
          <>
            <Notice tone="bad">{DISPLAY_LINK_INVALID}</Notice>
            <p className="text-sm text-muted">
              Ask an admin for a new display link, or{' '}
              <Link href="/" className="rounded-sm font-medium text-accent hover:underline">
                sign in with a user name
              </Link>
              .
            </p>
          </>
        ) : noAnswer ? (
          <>
            <Notice tone="warn">Cannot reach Powerdeck. Check the connection and try again.</Notice>
            <Button
              variant="primary"
              onClick={() => (secret !== null ? mutate({ secret }) : void session.refetch())}
            >
              Try again
            </Button>
          </>
        ) : (
          <p role="status" className="text-sm text-muted">
            Opening the display…
          </p>
        )}
      </section>
    </AuthFrame>
  );
}
