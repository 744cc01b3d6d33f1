// Powerdeck's mark: a power symbol on the accent colour (decorative; the heading next to it names the app).
export function Logo({ className = 'size-6' }: { className?: string }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className={`text-accent ${className}`}>
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
