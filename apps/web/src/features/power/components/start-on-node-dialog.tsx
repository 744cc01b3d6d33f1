// Admins start a VM on a node of their choice (`params.preferred_node`), from the nodes that have
// room for it now.
import type { FleetNode, FleetVm } from '@powerdeck/contracts/fleet';
import { useId, useRef, useState } from 'react';
import { Dialog } from '../../../components/ui/dialog';
import { ram } from '../../../lib/format';
import { checkStartCapacity } from '../lib/capacity';

interface StartOnNodeDialogProps {
  vm: FleetVm;
  nodes: FleetNode[];
  onConfirm: (nodeKey: number) => void;
  onClose: () => void;
}

export function StartOnNodeDialog({ vm, nodes, onConfirm, onClose }: StartOnNodeDialogProps) {
  const check = checkStartCapacity(vm, nodes);
  const fitting = check.nodes.filter((n) => n.fits);
  const without = check.nodes.filter((n) => !n.fits);
  const inMaintenance = nodes.filter((n) => n.maintenance);
  const [picked, setPicked] = useState<number | null>(fitting[0]?.key ?? null);
  const firstRef = useRef<HTMLInputElement>(null);
  const name = useId();
  const legendId = useId();

  return (
    <Dialog
      onClose={onClose}
      title={`Start ${vm.name} on a node`}
      description={
        <>
          It needs {vm.cpuCores} cores and {ram(vm.ram)} RAM. VergeOS uses the node you pick while it has
          room.
        </>
      }
      initialFocus={fitting.length > 0 ? firstRef : undefined}
      actions={{
        confirmLabel: 'Start',
        disabled: picked === null,
        onConfirm: () => {
          if (picked === null) return;
          onClose();
          onConfirm(picked);
        },
      }}
    >
      {fitting.length > 0 ? (
        <div role="radiogroup" aria-labelledby={legendId} className="space-y-1.5">
          <p id={legendId} className="text-xs font-medium text-muted">
            Nodes with room
          </p>
          {fitting.map((n, i) => (
            <label
              key={n.key}
              className={
                'flex cursor-pointer items-center gap-3 rounded-md border px-3 py-2 transition-colors ' +
                (picked === n.key ? 'border-accent bg-accent/5' : 'border-line hover:bg-surface')
              }
            >
              <input
                ref={i === 0 ? firstRef : undefined}
                type="radio"
                name={name}
                value={n.key}
                checked={picked === n.key}
                onChange={() => setPicked(n.key)}
                className="size-4 accent-accent"
              />
              <span className="font-medium">{n.name}</span>
              <span className="ml-auto text-xs tabular-nums text-muted">
                {n.freeCores} cores · {ram(n.freeRam)} free
              </span>
            </label>
          ))}
        </div>
      ) : (
        <p role="alert" className="rounded-md bg-warn/10 px-3 py-2 text-sm ring-1 ring-inset ring-warn/30">
          {check.ok ? 'No node data yet.' : `${check.reason}.`} Free capacity by shutting down a VM first.
        </p>
      )}
      {(without.length > 0 || inMaintenance.length > 0) && fitting.length > 0 && (
        <p className="text-xs text-muted">
          {without.length > 0 && <>Not enough room on {without.map((n) => n.name).join(', ')}. </>}
          {inMaintenance.length > 0 && <>In maintenance: {inMaintenance.map((n) => n.name).join(', ')}.</>}
        </p>
      )}
    </Dialog>
  );
}
