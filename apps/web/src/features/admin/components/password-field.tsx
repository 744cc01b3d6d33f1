// A password an admin sets for someone else, in the clear (the admin passes it on), with "Generate" for a random
// 20-character one. The hint and the problem are read out with the field.
import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { generatePassword, PASSWORD_MIN } from '../lib/password';

export const INPUT =
  'block h-9 w-full rounded-md border border-field bg-panel px-2.5 text-sm text-ink shadow-xs ' +
  'placeholder:text-muted hover:border-muted aria-[invalid=true]:border-bad';

export function PasswordField({
  id,
  label,
  value,
  onChange,
  problem,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Shown (and read out) once the person has tried to submit. */
  problem: string | null;
}) {
  const [generated, setGenerated] = useState(false);
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          id={id}
          type="text"
          value={value}
          onChange={(e) => {
            setGenerated(false);
            onChange(e.target.value);
          }}
          autoComplete="off"
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${id}-hint${problem ? ` ${id}-problem` : ''}`}
          className={`${INPUT} min-w-0 flex-1 font-mono`}
        />
        <Button
          onClick={() => {
            onChange(generatePassword());
            setGenerated(true);
          }}
        >
          Generate
        </Button>
      </div>
      <p id={`${id}-hint`} className="text-xs text-muted">
        {generated
          ? 'A random password: pass it on now, it is not shown again.'
          : `At least ${PASSWORD_MIN} characters.`}
      </p>
      {problem && (
        <p id={`${id}-problem`} className="text-xs text-bad">
          {problem}
        </p>
      )}
    </div>
  );
}
