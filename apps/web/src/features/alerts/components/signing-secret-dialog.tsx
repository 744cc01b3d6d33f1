// A new webhook target's signing secret, made by Powerdeck: shown once, in a dialog with Copy, for the admin to put
// into the receiver (which checks each message's webhook-signature with it). The BFF stores it encrypted and never
// answers it again; closing the dialog loses it (a new one can be set on the target's page).
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose } from '../../../components/ui/dialog';
import { SecretField } from '../../../components/ui/secret-field';

export function SigningSecretDialog({
  name,
  secret,
  onClose,
}: {
  /** The target's name. */
  name: string;
  secret: string;
  onClose: () => void;
}) {
  return (
    <Dialog
      onClose={onClose}
      title={`Signing secret for ${name}`}
      description="Powerdeck signs every message to this webhook with this secret (Standard Webhooks). Put it into the receiver to check the webhook-signature header."
      footer={
        <DialogClose asChild>
          <Button variant="primary">Done</Button>
        </DialogClose>
      }
    >
      <SecretField
        label="Signing secret"
        value={secret}
        hint="Shown once: copy it now. It is not shown again."
      />
    </Dialog>
  );
}
