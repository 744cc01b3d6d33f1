// `/sign-in/refused?id=…`: where the BFF sends a browser whose single sign-on it refused. Nobody is signed in
// here, so the app shows it before the session gate. It reads the refusal (`GET /api/sso/refusals/:id`, kept 15
// minutes, only for the browser that tried) and says why in the server's words; when no role rule matched (or the
// identity provider left the groups out), it lists the groups the provider sent and the claim they came in, so
// the person can tell their admin what to map. "Try again" goes back to the sign-in page.
import type { SsoRefusal } from '@powerdeck/contracts/sso';
import type { ReactNode } from 'react';
import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearch } from 'wouter';
import { Button } from '../../../components/ui/button';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { isApiError } from '../../../lib/api-client';
import { ssoQueries } from '../api/sso-queries';
import { refusalShowsGroups } from '../lib/sign-in';
import { AuthFrame, Notice, PANEL } from './auth-frame';

/** What the page says when the refusal is gone (older than 15 minutes, another browser's, or never was). */
export const REFUSAL_UNKNOWN = 'This sign-in attempt is no longer known; try again.';

const LINK = 'rounded-sm font-medium text-accent hover:underline';

function TryAgain() {
  return (
    <Link href="/" className={`${LINK} inline-block text-sm`}>
      Try again
    </Link>
  );
}

/** The groups the identity provider sent, and what to ask the admin. */
function Groups({ refusal }: { refusal: SsoRefusal }) {
  const listId = useId();
  const { groups, groupsClaim, providerName, reason } = refusal;
  let ask: string;
  if (reason === 'groups-overage') {
    ask = 'Show this page to your Powerdeck admin: the message above says what to change.';
  } else if (groups.length === 0) {
    ask = `Ask your Powerdeck admin to add you to a group that has a role, or to check that ${providerName} sends the “${groupsClaim}” claim.`;
  } else {
    ask = 'Ask your Powerdeck admin to map one of these groups to a role.';
  }
  // The server's message may already say it: once is enough.
  const said = refusal.message.toLowerCase();
  const repeated = said.includes(ask.toLowerCase().replace(/[.:].*$/, ''));
  return (
    <div className="space-y-2 text-sm">
      <p id={listId}>
        Groups {providerName} sent (claim <code className="font-mono text-xs">{groupsClaim}</code>):
        {groups.length === 0 && <span className="font-medium"> none</span>}
      </p>
      {groups.length > 0 && (
        <ul
          aria-labelledby={listId}
          className="max-h-48 space-y-0.5 overflow-y-auto rounded-md border border-line bg-surface px-3 py-2 font-mono text-xs"
        >
          {groups.map((g) => (
            <li key={g} className="break-all">
              {g}
            </li>
          ))}
        </ul>
      )}
      {!repeated && <p>{ask}</p>}
    </div>
  );
}

function Refusal({ refusal }: { refusal: SsoRefusal }) {
  const who = [refusal.username, refusal.email && `(${refusal.email})`].filter(Boolean).join(' ');
  return (
    <>
      <Notice tone="bad">{refusal.message}</Notice>
      {who && (
        <p className="text-sm text-muted">
          {refusal.providerName} knows you as {who}.
        </p>
      )}
      {refusalShowsGroups(refusal.reason) && <Groups refusal={refusal} />}
      <p className="text-xs text-muted">
        Refused <IsoTimeAgo iso={refusal.at} />.
      </p>
      <TryAgain />
    </>
  );
}

export function SsoRefusedPage() {
  const id = new URLSearchParams(useSearch()).get('id') ?? '';
  const query = useQuery({ ...ssoQueries.refusal(id), enabled: id !== '' });
  const headingId = useId();

  let body: ReactNode;
  if (id === '' || (isApiError(query.error) && query.error.status === 404)) {
    body = (
      <>
        <Notice tone="warn">{REFUSAL_UNKNOWN}</Notice>
        <TryAgain />
      </>
    );
  } else if (query.data) {
    body = <Refusal refusal={query.data} />;
  } else if (query.isError) {
    body = (
      <>
        <Notice tone="warn">
          Cannot reach Powerdeck to read why the sign-in was refused ({query.error.message}).
        </Notice>
        <Button variant="primary" onClick={() => void query.refetch()}>
          Try again
        </Button>
      </>
    );
  } else {
    body = (
      <p role="status" className="text-sm text-muted">
        Loading…
      </p>
    );
  }

  return (
    <AuthFrame>
      <section aria-labelledby={headingId} className={`${PANEL} space-y-4`}>
        <h1 id={headingId} className="text-base font-semibold">
          Sign-in refused
        </h1>
        {body}
      </section>
    </AuthFrame>
  );
}
