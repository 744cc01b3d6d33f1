// The fleet toolbar's selection area: "N selected", "Select all N matching" (the VMs the current filter shows),
// "Clear selection", and the bulk actions the person's permissions allow ("Start selected", "Shut down selected",
// "Reboot selected", "Force off selected"), each opening one confirmation. The selection itself is the app
// layer's; this only shows it and asks for changes.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Operation } from '@powerdeck/contracts/operations';
import type { OperationAction } from '@powerdeck/contracts/operation-terms';
import { lazy, Suspense, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { count } from '../../../lib/format';
import { bulkActions, type Skipped, type Viewer } from '../lib/bulk';
import { ACTION_WORDS } from '../lib/words';

// Loaded on the first bulk click: most visits never open it.
const BulkConfirmDialog = lazy(() =>
  import('./bulk-confirm-dialog').then((m) => ({ default: m.BulkConfirmDialog })),
);

const STALE_TITLE = 'Disabled while the fleet data is out of date';

export interface BulkBarProps {
  /** How many VMs the grid shows now (the current filter). */
  matching: number;
  /** The selected VMs still in the fleet. */
  selected: readonly FleetVm[];
  /** Every VM the grid shows is selected already. */
  allMatchingSelected: boolean;
  me: Viewer;
  stale: boolean;
  onSelectAll: () => void;
  onClear: () => void;
  /** A bulk operation was created (show its report). */
  onStarted: (op: Operation, skipped: readonly Skipped[]) => void;
}

export function BulkBar({
  matching,
  selected,
  allMatchingSelected,
  me,
  stale,
  onSelectAll,
  onClear,
  onStarted,
}: BulkBarProps) {
  const [dialog, setDialog] = useState<OperationAction | null>(null);
  const actions = bulkActions(me.permissions);
  if (actions.length === 0) return null;
  const n = selected.length;

  return (
    <div role="group" aria-label="Selection" className="flex flex-wrap items-center gap-x-3 gap-y-2 pt-2">
      {n > 0 && (
        <p role="status" className="text-sm font-medium tabular-nums">
          {count(n)} selected
        </p>
      )}
      {matching > 0 && !allMatchingSelected && (
        <Button size="sm" variant="ghost" onClick={onSelectAll}>
          Select all {count(matching)} matching
        </Button>
      )}
      {n > 0 && (
        <>
          <Button size="sm" variant="ghost" onClick={onClear}>
            Clear selection
          </Button>
          <div className="flex flex-wrap items-center gap-1 sm:ml-auto">
            {actions.map((a) => {
              const staleBlocked = stale && a !== 'start';
              return (
                <Button
                  key={a}
                  size="sm"
                  variant={a === 'forceOff' ? 'danger-outline' : 'secondary'}
                  className={a === 'forceOff' ? 'ml-2' : ''}
                  disabled={staleBlocked}
                  title={staleBlocked ? STALE_TITLE : undefined}
                  onClick={() => setDialog(a)}
                >
                  {ACTION_WORDS[a].label}
                  <span className="sr-only"> selected</span>
                </Button>
              );
            })}
          </div>
        </>
      )}
      {dialog !== null && (
        <Suspense fallback={null}>
          <BulkConfirmDialog
            action={dialog}
            vms={selected}
            me={me}
            stale={stale}
            onClose={() => setDialog(null)}
            onStarted={(op, skipped) => {
              setDialog(null);
              onStarted(op, skipped);
            }}
          />
        </Suspense>
      )}
    </div>
  );
}
