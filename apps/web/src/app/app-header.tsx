// The page's header: the app's name, how fresh the data is, the theme, who is signed in (with Sign out), and the
// links to the pages the role may open, in the `Main` navigation. On a phone it wraps into tidy rows.
import type { SessionInfo } from '@powerdeck/contracts/auth';
import { LogOut } from 'lucide-react';
import { Link, useLocation } from 'wouter';
import { Button } from '../components/ui/button';
import { Logo } from '../components/ui/logo';
import { ThemeToggle } from '../components/ui/theme-toggle';
import { useSignOut } from '../features/auth/api/session-mutations';
import { UpdatedStatus } from '../features/fleet/components/updated-status';
import { canSignOut, isCurrent, navItems, sessionLabel } from './nav-items';

const LINK =
  'inline-flex h-8 items-center rounded-md px-2.5 text-sm font-medium whitespace-nowrap transition-colors';

function MainNav({ session }: { session: SessionInfo }) {
  const [location] = useLocation();
  return (
    <nav aria-label="Main" className="-mx-1">
      <ul className="flex flex-wrap items-center gap-1">
        {navItems(session.permissions).map((item) => {
          const current = isCurrent(item.href, location);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={current ? 'page' : undefined}
                className={`${LINK} ${
                  current ? 'bg-accent-soft text-accent' : 'text-muted hover:bg-line/50 hover:text-ink'
                }`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function Who({ session }: { session: SessionInfo }) {
  const signOut = useSignOut();
  return (
    <div className="flex min-w-0 items-center gap-2">
      <p className="min-w-0 truncate text-sm text-ink" title={sessionLabel(session)}>
        {sessionLabel(session)}
      </p>
      {canSignOut(session) && (
        <Button
          size="sm"
          variant="ghost"
          loading={signOut.isPending}
          onClick={() => signOut.mutate()}
          icon={<LogOut className="size-3.5" />}
        >
          Sign out
        </Button>
      )}
      {signOut.isError && (
        <p role="alert" className="text-xs text-bad">
          Could not sign out: {signOut.error.message}
        </p>
      )}
    </div>
  );
}

export function AppHeader({
  demo,
  asOf,
  stale,
  session,
}: {
  demo: boolean;
  asOf: number | null;
  stale: boolean;
  session: SessionInfo;
}) {
  return (
    <header className="border-b border-line bg-panel">
      {/* Phone: name and theme, then the rest wrapping below; wider: one line. The links go on their own line. */}
      <div className="mx-auto flex max-w-[100rem] flex-wrap items-center gap-x-3 gap-y-2 px-4 pt-3 pb-2 sm:gap-x-4 sm:px-6">
        <div className="order-1 flex items-center gap-2">
          <Logo />
          <h1 className="text-lg font-semibold tracking-tight">Powerdeck</h1>
        </div>
        {demo && (
          <span className="order-3 rounded-full bg-warn-soft px-2.5 py-0.5 text-xs font-medium text-warn ring-1 ring-warn/35 ring-inset sm:order-2">
            Demo against a simulated VergeOS
          </span>
        )}
        <UpdatedStatus asOf={asOf} stale={stale} className="order-4 sm:order-3 sm:ml-auto" />
        <div className="order-2 ml-auto sm:order-4 sm:ml-0">
          <ThemeToggle />
        </div>
        <div className="order-5 ml-auto max-w-full sm:ml-0">
          <Who session={session} />
        </div>
      </div>
      <div className="mx-auto max-w-[100rem] px-4 pb-2 sm:px-6">
        <MainNav session={session} />
      </div>
    </header>
  );
}
