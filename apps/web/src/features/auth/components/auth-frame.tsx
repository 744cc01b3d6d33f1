// The frame of the pages shown before anyone is signed in: the app's name over one centred panel.
import type { ReactNode } from 'react';
import { Logo } from '../../../components/ui/logo';
import { ThemeToggle } from '../../../components/ui/theme-toggle';

export function AuthFrame({ demo = false, children }: { demo?: boolean; children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col">
      <div className="flex justify-end px-4 pt-3 sm:px-6">
        <ThemeToggle />
      </div>
      <main className="flex flex-1 flex-col items-center px-4 pt-[8vh] pb-10">
        <div className="w-full max-w-sm">
          <p className="mb-5 flex items-center justify-center gap-2 text-lg font-semibold tracking-tight">
            <Logo className="size-7" />
            Powerdeck
          </p>
          {children}
          {demo && (
            <p className="mt-4 text-center text-xs text-muted">
              <span className="rounded-full bg-warn-soft px-2.5 py-0.5 font-medium text-warn ring-1 ring-warn/35 ring-inset">
                Demo against a simulated VergeOS
              </span>
            </p>
          )}
        </div>
      </main>
    </div>
  );
}

/** The panel's look; its content decides the landmarks and headings. */
export const PANEL = 'rounded-xl border border-line bg-panel p-6 shadow-sm shadow-black/5';

/** A message above a form: an error, or why the person is here. */
export function Notice({ tone, children }: { tone: 'bad' | 'warn'; children: ReactNode }) {
  const edge = tone === 'bad' ? 'border-bad bg-bad-soft' : 'border-warn bg-warn-soft';
  return (
    <p role="alert" className={`rounded-r-md border-l-2 px-3 py-2 text-sm text-ink ${edge}`}>
      {children}
    </p>
  );
}
