import type { FleetVm } from '@powerdeck/contracts/fleet';
import { StatusBadge } from '../../../components/ui/status-badge';
import { ram, uptime } from '../../../lib/format';

export function FleetTable({ vms, now }: { vms: FleetVm[]; now: number }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-line bg-panel shadow-sm">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-line text-xs uppercase tracking-wide text-muted">
          <tr>
            <th className="px-4 py-2.5 font-medium">Name</th>
            <th className="px-4 py-2.5 font-medium">Status</th>
            <th className="px-4 py-2.5 font-medium">Node</th>
            <th className="px-4 py-2.5 text-right font-medium">Cores</th>
            <th className="px-4 py-2.5 text-right font-medium">RAM</th>
            <th className="px-4 py-2.5 text-right font-medium">Uptime</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {vms.map((vm) => (
            <tr key={vm.key}>
              <td className="px-4 py-2.5">
                <div className="font-medium">{vm.name}</div>
                {vm.description && <div className="text-xs text-muted">{vm.description}</div>}
              </td>
              <td className="px-4 py-2.5">
                <StatusBadge status={vm.status} />
                {vm.status === 'error' && vm.statusInfo && (
                  <div className="mt-1 text-xs text-bad">{vm.statusInfo}</div>
                )}
              </td>
              <td className="px-4 py-2.5 text-muted">{vm.nodeName ?? '—'}</td>
              <td className="px-4 py-2.5 text-right tabular-nums">{vm.cpuCores}</td>
              <td className="px-4 py-2.5 text-right tabular-nums">{ram(vm.ram)}</td>
              <td className="px-4 py-2.5 text-right tabular-nums text-muted">
                {vm.running && vm.started ? uptime(vm.started, now) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
