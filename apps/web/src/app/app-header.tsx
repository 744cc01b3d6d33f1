import { ThemeToggle } from '../components/ui/theme-toggle';
import { UpdatedStatus } from '../features/fleet/components/updated-status';

function Logo() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="size-6 text-accent">
      <rect x="2" y="2" width="20" height="20" rx="5" fill="currentColor" />
      <path
        d="M12 6.5v5M8.4 8.6a5 5 0 1 0 7.2 0"
        fill="none"
        stroke="white"
        strokeWidth="2"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function AppHeader({ demo, asOf, stale }: { demo: boolean; asOf: number | null; stale: boolean }) {
  return (
    <header className="border-b border-line bg-panel">
      {/* On a phone: title and theme on the first line, the rest below; on wider screens one line. */}
      <div className="mx-auto flex max-w-[100rem] flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 sm:gap-x-4 sm:px-6">
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
      </div>
    </header>
  );
}
