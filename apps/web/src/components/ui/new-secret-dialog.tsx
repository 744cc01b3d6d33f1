// Making a named secret (a personal token, a display link): a `Name` (required, focused on open) and any other
// fields, then, once the server has made it, the secret shown once in place of the form, with Done.
import { useId, useRef, useState, type ReactNode } from 'react';
import { TextField } from './field';
import { FormDialog } from './form-dialog';

interface NewSecretDialogProps<Body, Answer> {
  title: string;
  /** The description before (`null`) and after the secret is made. */
  description: (answer: Answer | null) => string;
  /** What to say when the name is left empty. */
  nameProblem: string;
  namePlaceholder?: string;
  submitLabel: string;
  /** The mutation that makes it. */
  create: {
    mutate: (body: Body, options: { onSuccess: (answer: Answer) => void }) => void;
    isPending: boolean;
    error: Error | null;
  };
  /** The request's body, given the trimmed name. */
  body: (name: string) => Body;
  /** The secret, shown once. */
  shown: (answer: Answer) => ReactNode;
  onClose: () => void;
  /** Fields after the name. */
  children?: ReactNode;
}

export function NewSecretDialog<Body, Answer>({
  title,
  description,
  nameProblem,
  namePlaceholder,
  submitLabel,
  create,
  body,
  shown,
  onClose,
  children,
}: NewSecretDialogProps<Body, Answer>) {
  const id = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const problem = tried && name.trim() === '' ? nameProblem : null;

  return (
    <FormDialog
      title={title}
      description={description(answer)}
      initialFocus={nameRef}
      submitLabel={submitLabel}
      request={create}
      onSubmit={() => {
        setTried(true);
        if (name.trim() === '') return;
        create.mutate(body(name.trim()), { onSuccess: setAnswer });
      }}
      onClose={onClose}
      done={answer === null ? null : shown(answer)}
    >
      <TextField
        ref={nameRef}
        id={`${id}-name`}
        label="Name"
        value={name}
        onChange={setName}
        problem={problem}
        maxLength={100}
        autoComplete="off"
        placeholder={namePlaceholder}
      />
      {children}
    </FormDialog>
  );
}
