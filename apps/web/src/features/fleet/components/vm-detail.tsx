// One VM in full (its own URL, /vms/:key, loaded on demand): live status from the fleet snapshot, its configuration
// (GET /api/v4/vms/:key?fields=most) and its machine status (GET /api/v4/machine_status/:machine). Each section loads
// and fails in place. The way back keeps the fleet view's search, filters and sort.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { useQuery } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import { useEffect, useId, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { Uptime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { dateTime, ram } from '../../../lib/format';
import { isKnownStatus, STATUS } from '../../../lib/status';
import { vmQueries, type VergeRow } from '../api/vm-queries';
import { isTypingTarget } from '../lib/keyboard';
import type { VmActionsSlot } from './vm-card';

type Fmt = (v: unknown) => string | null;

const text: Fmt = (v) => (typeof v === 'string' ? v || null : typeof v === 'number' ? String(v) : null);
const yesNo: Fmt = (v) => (typeof v === 'boolean' ? (v ? 'Yes' : 'No') : text(v));
const epoch: Fmt = (v) => (typeof v === 'number' && v > 0 ? dateTime(v * 1000) : null);
const mb: Fmt = (v) => (typeof v === 'number' ? ram(v) : null);

/** The configuration fields worth a person's time, in order; everything else is under "All fields". */
const CONFIG_FIELDS: [field: string, label: string, fmt: Fmt][] = [
  ['cpu_cores', 'Cores', text],
  ['cpu_type', 'CPU type', text],
  ['ram', 'RAM', mb],
  ['os_family', 'OS family', text],
  ['machine_type', 'Machine type', text],
  ['guest_agent', 'Guest agent', yesNo],
  ['uefi', 'UEFI', yesNo],
  ['secure_boot', 'Secure boot', yesNo],
  ['boot_order', 'Boot order', text],
  ['console', 'Console', text],
  ['video', 'Video', text],
  ['allow_hotplug', 'Hot plug', yesNo],
  ['nested_virtualization', 'Nested virtualization', yesNo],
  ['migration_method', 'Migration', text],
  ['power_cycle_timeout', 'Power cycle timeout (s)', text],
  ['need_restart', 'Needs restart', yesNo],
  ['enabled', 'Enabled', yesNo],
  ['uuid', 'UUID', text],
  ['created', 'Created', epoch],
  ['modified', 'Modified', epoch],
  ['creator', 'Created by', text],
  ['note', 'Note', text],
];

function guestOs(v: unknown): string | null {
  if (!v || typeof v !== 'object') return null;
  const os = (v as { osinfo?: { 'pretty-name'?: unknown; name?: unknown } }).osinfo;
  return text(os?.['pretty-name']) ?? text(os?.name);
}

function guestAddresses(v: unknown): string | null {
  if (!v || typeof v !== 'object') return null;
  const net = (v as { network?: unknown }).network;
  if (!Array.isArray(net)) return null;
  const ips: string[] = [];
  for (const nic of net as { 'ip-addresses'?: { 'ip-address'?: unknown }[] }[]) {
    for (const a of nic['ip-addresses'] ?? [])
      if (typeof a['ip-address'] === 'string') ips.push(a['ip-address']);
  }
  return ips.length ? ips.join(', ') : null;
}

const STATUS_FIELDS: [field: string, label: string, fmt: Fmt][] = [
  ['status', 'Status', (v) => (isKnownStatus(v) ? STATUS[v].label : text(v))],
  ['state', 'State', text],
  ['status_info', 'Status info', text],
  ['running', 'Running', yesNo],
  ['powerstate', 'Power', (v) => (typeof v === 'boolean' ? (v ? 'On' : 'Off') : null)],
  ['started', 'Started', epoch],
  ['running_cores', 'Running cores', text],
  ['running_ram', 'Running RAM', mb],
  ['migratable', 'Migratable', yesNo],
  ['agent_version', 'Guest agent version', text],
  ['agent_guest_info', 'Guest OS', guestOs],
  ['agent_guest_info', 'Guest addresses', guestAddresses],
  ['last_update', 'Last update', epoch],
];

function Facts({ row, fields }: { row: VergeRow; fields: [string, string, Fmt][] }) {
  const items = fields.flatMap(([field, label, fmt]) => {
    const value = fmt(row[field]);
    return value === null ? [] : [{ label, value }];
  });
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2.5 sm:grid-cols-2">
      {items.map(({ label, value }) => (
        <div key={label} className="min-w-0">
          <dt className="text-xs text-muted">{label}</dt>
          <dd className="text-sm break-words tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="rounded-lg border border-line bg-panel p-4 shadow-xs sm:p-5">
      <h3 id={id} className="mb-3 text-sm font-semibold">
        {title}
      </h3>
      {children}
    </section>
  );
}

function Loading() {
  return <p className="text-sm text-muted">Loading…</p>;
}

function Failed({ error }: { error: Error }) {
  return (
    <p role="alert" className="text-sm text-bad">
      Could not load this: {error.message}
    </p>
  );
}

function RawFields({ row }: { row: VergeRow }) {
  return (
    <details className="mt-4 text-sm">
      <summary className="cursor-pointer rounded-sm text-muted hover:text-ink">All fields</summary>
      <dl className="mt-2 grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-4 gap-y-1 font-mono text-xs">
        {Object.entries(row).map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-muted">{k}</dt>
            <dd className="break-all">
              {typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

interface VmDetailProps {
  vmKey: number;
  /** The VM in the fleet snapshot (live status); undefined while loading or when there is no such VM. */
  vm: FleetVm | undefined;
  /** The snapshot has loaded (so an undefined `vm` means there is none). */
  fleetLoaded: boolean;
  /** The fleet view to go back to, with its choices. */
  backHref: string;
  actions?: VmActionsSlot | undefined;
  /** A line under the facts (the app's next scheduled action), or nothing. */
  note?: VmActionsSlot | undefined;
  /** Below the facts: who did what to this VM (the app layer fills it from the audit feature). */
  activity?: ReactNode;
}

export function VmDetail({ vmKey, vm, fleetLoaded, backHref, actions, note, activity }: VmDetailProps) {
  const headingId = useId();
  const [, navigate] = useLocation();
  const config = useQuery(vmQueries.config(vmKey));
  const machineKey = vm?.machine ?? (typeof config.data?.machine === 'number' ? config.data.machine : null);
  const machine = useQuery({ ...vmQueries.machineStatus(machineKey ?? 0), enabled: machineKey !== null });
  const name = vm?.name ?? text(config.data?.name) ?? `VM ${vmKey}`;
  const tone = vm ? STATUS[vm.status].tone : 'idle';

  // Escape goes back to the fleet (unless a dialog or a field has it).
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.key !== 'Escape' || e.defaultPrevented || isTypingTarget(e.target)) return;
      navigate(backHref, { state: { focusVm: vmKey } });
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [navigate, backHref, vmKey]);

  useEffect(() => {
    document.title = `${name} · Powerdeck`;
    return () => {
      document.title = 'Powerdeck';
    };
  }, [name]);

  return (
    <main aria-labelledby={headingId} className="mx-auto w-full max-w-5xl space-y-4 px-4 py-5 sm:px-6">
      <Link
        href={backHref}
        state={{ focusVm: vmKey }}
        className="inline-flex items-center gap-1.5 rounded-sm text-sm font-medium text-muted hover:text-ink"
      >
        <ArrowLeft aria-hidden="true" className="size-4" />
        All VMs
      </Link>

      <div className="rounded-lg border border-line bg-panel shadow-xs">
        <div className="flex flex-wrap items-start gap-x-4 gap-y-2 px-4 pt-4 sm:px-5">
          <div className="min-w-0 flex-1">
            <h2 id={headingId} className="truncate text-xl font-semibold tracking-tight">
              {name}
            </h2>
            {(vm?.description ?? text(config.data?.description)) && (
              <p className="text-sm text-muted">{vm?.description ?? text(config.data?.description)}</p>
            )}
          </div>
          {vm && <StatusBadge status={vm.status} />}
        </div>
        {vm ? (
          <p className="flex flex-wrap gap-x-4 gap-y-1 px-4 pt-2 pb-4 text-sm text-muted tabular-nums sm:px-5">
            <span>
              Node <span className="font-medium text-ink">{vm.nodeName ?? 'none'}</span>
            </span>
            <span>
              {vm.running ? vm.runningCores || vm.cpuCores : vm.cpuCores} cores ·{' '}
              {ram(vm.running ? vm.runningRam || vm.ram : vm.ram)}
            </span>
            {vm.running && vm.started ? <Uptime started={vm.started} /> : null}
            <span>
              Guest agent{' '}
              {vm.guestAgent ? (vm.agentReporting ? 'reporting' : 'not reporting') : 'not enabled'}
            </span>
          </p>
        ) : (
          <p className="px-4 pt-2 pb-4 text-sm text-muted sm:px-5">
            {fleetLoaded ? 'This VM is not in the fleet snapshot.' : 'Loading its status…'}
          </p>
        )}
        {vm && note?.(vm)}
        {vm?.statusInfo && (
          <p
            className={`mx-4 mb-4 rounded-md px-3 py-2 text-sm sm:mx-5 ${
              tone === 'bad'
                ? 'bg-bad-soft text-bad'
                : tone === 'warn'
                  ? 'bg-warn-soft text-warn'
                  : 'bg-sunken text-muted'
            }`}
          >
            {vm.statusInfo}
          </p>
        )}
        {vm && actions && (
          <div className="border-t border-line bg-sunken/60 px-4 py-3 sm:px-5">{actions(vm)}</div>
        )}
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Section title="Configuration">
          {config.data ? (
            <>
              <Facts row={config.data} fields={CONFIG_FIELDS} />
              <RawFields row={config.data} />
            </>
          ) : config.error ? (
            <Failed error={config.error} />
          ) : (
            <Loading />
          )}
        </Section>
        <Section title="Machine status">
          {machine.data ? (
            <>
              <Facts row={machine.data} fields={STATUS_FIELDS} />
              <RawFields row={machine.data} />
            </>
          ) : machine.error ? (
            <Failed error={machine.error} />
          ) : machineKey === null && config.error ? (
            <p className="text-sm text-muted">Unknown without the VM&apos;s configuration.</p>
          ) : (
            <Loading />
          )}
        </Section>
      </div>
      {activity}
    </main>
  );
}
