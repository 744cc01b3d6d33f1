// The shared button: four variants, three sizes, a loading state with a spinner, a visible focus ring.
import type { ButtonHTMLAttributes, ReactNode, Ref } from 'react';

/** `danger` is a filled red (the confirm button of a destructive dialog); `danger-outline` a quieter red. */
type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'danger-outline' | 'ghost';
type ButtonSize = 'sm' | 'md' | 'lg';

const BASE =
  'inline-flex shrink-0 select-none items-center justify-center gap-1.5 whitespace-nowrap rounded-md font-medium ' +
  'transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent ' +
  'disabled:cursor-not-allowed disabled:opacity-50';

const VARIANT: Record<ButtonVariant, string> = {
  primary:
    'bg-accent text-white shadow-sm hover:bg-accent/90 active:bg-accent/80 disabled:hover:bg-accent dark:text-surface',
  secondary:
    'bg-panel text-ink shadow-xs ring-1 ring-inset ring-line hover:bg-surface active:bg-line/60 disabled:hover:bg-panel',
  danger:
    'bg-bad text-white shadow-sm hover:bg-bad/90 active:bg-bad/80 disabled:hover:bg-bad dark:text-surface',
  'danger-outline':
    'bg-panel text-bad shadow-xs ring-1 ring-inset ring-bad/35 hover:bg-bad/10 active:bg-bad/15 disabled:hover:bg-panel',
  ghost: 'text-muted hover:bg-line/50 hover:text-ink active:bg-line/70 disabled:hover:bg-transparent',
};

const SIZE: Record<ButtonSize, string> = {
  sm: 'h-7 px-2.5 text-xs',
  md: 'h-8 px-3 text-sm',
  lg: 'h-10 px-4 text-sm',
};

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: ButtonSize;
  /**
   * Shows a spinner and makes the button inert. It stays focusable (`aria-disabled`, clicks ignored)
   * so keyboard focus is not lost, and its label stays so its accessible name does not change.
   */
  loading?: boolean;
  /** An icon before the label (hidden from assistive technology). */
  icon?: ReactNode;
  ref?: Ref<HTMLButtonElement>;
};

export function Button({
  variant = 'secondary',
  size = 'md',
  loading = false,
  icon,
  disabled,
  className,
  children,
  type = 'button',
  ref,
  onClick,
  ...rest
}: ButtonProps) {
  return (
    <button
      ref={ref}
      type={type}
      disabled={disabled}
      aria-disabled={loading || undefined}
      aria-busy={loading || undefined}
      onClick={loading ? (e) => e.preventDefault() : onClick}
      className={[BASE, VARIANT[variant], SIZE[size], loading && 'cursor-progress', className]
        .filter(Boolean)
        .join(' ')}
      {...rest}
    >
      {loading ? (
        <Spinner className={size === 'sm' ? 'size-3' : 'size-3.5'} />
      ) : (
        icon && (
          <span aria-hidden="true" className="inline-flex">
            {icon}
          </span>
        )
      )}
      {children}
    </button>
  );
}

/** A small circular spinner in the current text colour. */
function Spinner({ className = 'size-3.5' }: { className?: string }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" fill="none" className={`animate-spin ${className}`}>
      <circle cx="8" cy="8" r="6.5" stroke="currentColor" strokeOpacity="0.25" strokeWidth="2" />
      <path d="M14.5 8A6.5 6.5 0 0 0 8 1.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
