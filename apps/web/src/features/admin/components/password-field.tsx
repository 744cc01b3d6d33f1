// A password an admin sets for someone else, in the clear (the admin passes it on), with "Generate" for a random
// 20-character one. The hint and the problem are read out with the field.
import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Field, fieldAria, INPUT } from '../../../components/ui/field';
import { generatePassword, PASSWORD_MIN } from '../lib/password';

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
    <Field id={id} label={label} problem={problem}>
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
          {...fieldAria(id, problem, `${id}-hint`)}
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
    </Field>
  );
}
