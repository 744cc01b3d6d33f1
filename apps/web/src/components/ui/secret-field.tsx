// A secret shown once (a display link's address, a new token): read-only, selected on focus, with a Copy button. When the
// clipboard is not available (an insecure origin), the text is selected so the person can copy it themselves.
import { useId, useRef, useState } from 'react';
import { Button } from './button';

export function SecretField({ label, value, hint }: { label: string; value: string; hint: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      input.current?.focus();
      input.current?.select();
      setCopied('no');
    }
  }

  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          ref={input}
          id={id}
          type="text"
          readOnly
          value={value}
          aria-describedby={`${id}-hint`}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          className="h-9 min-w-0 flex-1 rounded-md border border-field bg-sunken px-2.5 font-mono text-xs text-ink"
        />
        <Button onClick={() => void copy()}>Copy</Button>
      </div>
      <p id={`${id}-hint`} className="text-sm font-medium text-warn">
        {hint}
      </p>
      <p role="status" className="text-xs text-muted">
        {copied === 'yes'
          ? 'Copied.'
          : copied === 'no'
            ? 'Cannot copy here: press Ctrl+C (⌘C) to copy it.'
            : ''}
      </p>
    </div>
  );
}
