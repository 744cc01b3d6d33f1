// Revoking a secret (a personal token, a display link): `Revoke <name>` in its row asks first, in `Revoke <name>?`;
// a revoked one cannot be used again.
import { Button } from './button';
import { ConfirmDialog } from './confirm-dialog';

export function RevokeButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <Button size="sm" variant="danger-outline" aria-label={`Revoke ${name}`} onClick={onClick}>
      Revoke
    </Button>
  );
}

export function RevokeDialog({
  name,
  description,
  onConfirm,
  onClose,
}: {
  name: string;
  /** What stops, and when. */
  description: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  return (
    <ConfirmDialog
      title={`Revoke ${name}?`}
      description={description}
      confirmLabel="Revoke"
      danger
      onConfirm={onConfirm}
      onClose={onClose}
    />
  );
}
