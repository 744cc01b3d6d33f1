// A page of the app: a `main` named by its `h2` heading, the heading's row (the page's own button or link goes at
// its end, `ml-auto`), then the content. `width` is how wide it may grow: `default` for the account pages,
// `wide` for a table with many columns, `full` for a log read on a large screen.
import { useId, type ComponentType, type ReactNode } from 'react';
import { Button } from './button';

const LAYOUT = {
  default: { main: 'max-w-5xl', header: 'gap-3' },
  wide: { main: 'max-w-6xl', header: 'gap-3' },
  full: { main: 'max-w-[100rem]', header: 'gap-x-4 gap-y-2' },
} as const;

export function Page({
  title,
  width = 'default',
  actions,
  children,
}: {
  title: string;
  width?: keyof typeof LAYOUT;
  /** Beside the heading. */
  actions?: ReactNode;
  children: ReactNode;
}) {
  const headingId = useId();
  const layout = LAYOUT[width];
  return (
    <main aria-labelledby={headingId} className={`mx-auto w-full ${layout.main} space-y-4 px-4 py-5 sm:px-6`}>
      <div className={`flex flex-wrap items-center ${layout.header}`}>
        <h2 id={headingId} className="text-xl font-semibold tracking-tight">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </main>
  );
}

/** A page's main button ("Add user", "New token"), at the end of the heading's row. */
export function PageButton({
  icon: Icon,
  onClick,
  children,
}: {
  icon: ComponentType<{ className?: string }>;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <Button variant="primary" className="ml-auto" icon={<Icon className="size-4" />} onClick={onClick}>
      {children}
    </Button>
  );
}
