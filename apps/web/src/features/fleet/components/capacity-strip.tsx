// The cluster's nodes, each with its running cores and RAM against capacity, so a person sees where there is room.
import type { FleetNode } from '@powerdeck/contracts/fleet';
import { Wrench } from 'lucide-react';
import { memo } from 'react';
import { Meter } from '../../../components/ui/meter';
import { plural, ramOf } from '../../../lib/format';

function NodeTile({ node }: { node: FleetNode }) {
  return (
    <div
      role="group"
      aria-label={node.name}
      className="min-w-0 rounded-lg border border-line bg-panel px-3 py-2.5 shadow-xs"
    >
      <div className="flex items-baseline gap-2">
        <span className="truncate text-sm font-semibold">{node.name}</span>
        {node.maintenance && (
          <span className="inline-flex items-center gap-1 rounded-full bg-warn-soft px-1.5 text-[0.6875rem] font-medium text-warn ring-1 ring-warn/35 ring-inset">
            <Wrench aria-hidden="true" className="size-3" />
            Maintenance
          </span>
        )}
        <span className="ml-auto shrink-0 text-xs text-muted tabular-nums">
          {plural(node.runningVms, 'VM')}
        </span>
      </div>
      <div className="mt-2 grid grid-cols-[auto_1fr] items-center gap-x-2.5 gap-y-1.5 text-xs tabular-nums">
        <span className="text-muted">
          Cores{' '}
          <span className="font-medium text-ink">
            {node.runningCores}/{node.cores}
          </span>
        </span>
        <Meter
          label={`${node.name} cores in use`}
          used={node.runningCores}
          total={node.cores}
          valueText={`${node.runningCores} of ${node.cores} cores`}
        />
        <span className="text-muted">
          RAM <span className="font-medium text-ink">{ramOf(node.runningRam, node.ram)}</span>
        </span>
        <Meter
          label={`${node.name} RAM in use`}
          used={node.runningRam}
          total={node.ram}
          valueText={`RAM ${ramOf(node.runningRam, node.ram)}`}
        />
      </div>
    </div>
  );
}

export const CapacityStrip = memo(function CapacityStrip({ nodes }: { nodes: readonly FleetNode[] }) {
  if (nodes.length === 0) return null;
  return (
    <section aria-label="Cluster capacity">
      <div className="grid grid-cols-[repeat(auto-fill,minmax(10.5rem,1fr))] gap-2 sm:grid-cols-[repeat(auto-fit,minmax(14rem,1fr))] sm:gap-3">
        {nodes.map((n) => (
          <NodeTile key={n.key} node={n} />
        ))}
      </div>
    </section>
  );
});
