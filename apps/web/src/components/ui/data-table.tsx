// A dense table that scrolls sideways on a phone, named for assistive technology (`aria-label`), with the
// shared cell classes of the account pages (users, tokens, display links).
import type { ReactNode } from 'react';
import { TONE_BADGE, type Tone } from '../../lib/status';

export const TD = 'px-3 py-2 align-middle';
export const TH = 'px-3 py-2 text-left text-xs font-medium whitespace-nowrap text-muted';

export function DataTable({
  label,
  columns,
  minWidth = '40rem',
  children,
}: {
  label: string;
  /** Header cells; an empty string is a column of buttons (named "Actions" for screen readers only). */
  columns: readonly string[];
  minWidth?: string;
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-panel shadow-xs">
      <table aria-label={label} className="w-full border-collapse text-sm" style={{ minWidth }}>
        <thead className="bg-sunken">
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={TH}>
                {c || <span className="sr-only">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-line">{children}</tbody>
      </table>
    </div>
  );
}

/** A small status badge: a word in the colour of its tone (never the colour alone). */
export function Pill({ tone, children }: { tone: Tone; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONE_BADGE[tone]}`}
    >
      {children}
    </span>
  );
}

/** A first load that failed, in place, with a way to try again. */
export function LoadError({ what, error, onRetry }: { what: string; error: Error; onRetry: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-bad/50 bg-bad-soft px-5 py-4 text-sm">
      <p className="font-semibold text-bad">Cannot load {what}</p>
      <p className="mt-1 text-ink">{error.message}</p>
      <button
        type="button"
        onClick={onRetry}
        className="mt-3 h-8 rounded-md bg-panel px-3 text-sm font-medium text-ink shadow-xs ring-1 ring-line ring-inset hover:bg-surface"
      >
        Try again
      </button>
    </div>
  );
}
