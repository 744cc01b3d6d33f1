// The audit log (`/audit`, admins): every power action, sign-in and account change, newest first, with its outcome
// and VergeOS's answer. The filters live in the URL and are the API's own query string, so the CSV export is the
// same search as a plain download. Older records load a page at a time ("Load older" follows the `next` cursor).
import type { AuditRow } from '@powerdeck/contracts/audit';
import { AUDIT_KINDS, AUDIT_OUTCOMES } from '@powerdeck/contracts/audit-terms';
import { useInfiniteQuery } from '@tanstack/react-query';
import { CircleX, Download, SearchX } from 'lucide-react';
import { useCallback, useId, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { Options } from '../../../components/ui/field';
import { IsoTimeAgo } from '../../../components/ui/iso-time-ago';
import { RefreshFailed } from '../../../components/ui/list-state';
import { Page } from '../../../components/ui/page';
import { auditQueries } from '../api/audit-queries';
import { useAuditFilters } from '../hooks/use-audit-filters';
import { useDraft } from '../hooks/use-draft';
import {
  AUDIT_ACTIONS,
  auditCsvHref,
  hasFilters,
  isoToLocalInput,
  localInputToIso,
  NO_FILTERS,
  parseVmKey,
  type AuditFilters,
} from '../lib/audit-filters';
import {
  actionOptionLabel,
  KIND_LABELS,
  latencyText,
  OUTCOME_LABELS,
  rowActionWords,
} from '../lib/audit-words';
import { OutcomeBadge } from './outcome-badge';

const FIELD =
  'h-8 w-full min-w-0 rounded-md border border-field bg-panel px-2 text-sm text-ink shadow-xs ' +
  'placeholder:text-muted hover:border-muted';

/** A filter's small label over its control. */
function FilterField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <label htmlFor={id} className="text-xs font-medium text-muted">
        {label}
      </label>
      {children}
    </div>
  );
}

/** A filter by one of a fixed list of values, or `Any` (no filter). */
function AnySelect<T extends string>({
  id,
  label,
  value,
  options,
  optionLabel,
  onChange,
}: {
  id: string;
  label: string;
  value: T | null;
  options: readonly T[];
  optionLabel: (option: T) => string;
  onChange: (value: T | null) => void;
}) {
  return (
    <FilterField id={id} label={label}>
      <select
        id={id}
        className={FIELD}
        value={value ?? ''}
        onChange={(e) => onChange(options.find((o) => o === e.target.value) ?? null)}
      >
        <option value="">Any</option>
        <Options options={options} optionLabel={optionLabel} />
      </select>
    </FilterField>
  );
}

/** One end of the time range, in local time (as typed); `min`/`max` keep it on its side of the other end. */
function DateTimeFilter({
  id,
  label,
  value,
  min,
  max,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  min?: string;
  max?: string;
  onChange: (value: string) => void;
}) {
  return (
    <FilterField id={id} label={label}>
      <input
        id={id}
        type="datetime-local"
        value={value}
        min={min || undefined}
        max={max || undefined}
        onChange={(e) => onChange(e.target.value)}
        className={`${FIELD} tabular-nums`}
      />
    </FilterField>
  );
}

const vmFormat = (v: number | null) => (v === null ? '' : String(v));
const textParse = (t: string) => t.trim() || null;
const textFormat = (v: string | null) => v ?? '';

function Filters({
  filters,
  onChange,
}: {
  filters: AuditFilters;
  onChange: (p: Partial<AuditFilters>) => void;
}) {
  const id = useId();
  const commitVm = useCallback((vm: number | null) => onChange({ vm }), [onChange]);
  const commitActor = useCallback((actor: string | null) => onChange({ actor }), [onChange]);
  const commitFrom = useCallback((from: string | null) => onChange({ from }), [onChange]);
  const commitTo = useCallback((to: string | null) => onChange({ to }), [onChange]);
  const [vm, setVm, vmNow] = useDraft(filters.vm, commitVm, { parse: parseVmKey, format: vmFormat });
  const [actor, setActor, actorNow] = useDraft(filters.actor, commitActor, {
    parse: textParse,
    format: textFormat,
  });
  const [from, setFrom] = useDraft(filters.from, commitFrom, {
    parse: localInputToIso,
    format: isoToLocalInput,
    delayMs: 0,
  });
  const [to, setTo] = useDraft(filters.to, commitTo, {
    parse: localInputToIso,
    format: isoToLocalInput,
    delayMs: 0,
  });
  const vmInvalid = vm.trim() !== '' && parseVmKey(vm) === null;

  return (
    <form
      role="search"
      aria-label="Filter the audit log"
      onSubmit={(e) => e.preventDefault()}
      className="grid grid-cols-2 items-end gap-x-3 gap-y-2 sm:grid-cols-4 lg:grid-cols-[7rem_10rem_repeat(3,minmax(8rem,11rem))_repeat(2,minmax(10rem,13rem))_auto]"
    >
      <FilterField id={`${id}-vm`} label="VM">
        <input
          id={`${id}-vm`}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          placeholder="Key"
          value={vm}
          onChange={(e) => setVm(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && vmNow()}
          aria-invalid={vmInvalid || undefined}
          aria-describedby={vmInvalid ? `${id}-vm-hint` : undefined}
          className={`${FIELD} tabular-nums ${vmInvalid ? 'border-bad' : ''}`}
        />
      </FilterField>
      <FilterField id={`${id}-user`} label="User">
        <input
          id={`${id}-user`}
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="User name"
          value={actor}
          onChange={(e) => setActor(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && actorNow()}
          className={FIELD}
        />
      </FilterField>
      <AnySelect
        id={`${id}-action`}
        label="Action"
        value={filters.action}
        options={AUDIT_ACTIONS}
        optionLabel={actionOptionLabel}
        onChange={(action) => onChange({ action })}
      />
      <AnySelect
        id={`${id}-outcome`}
        label="Outcome"
        value={filters.outcome}
        options={AUDIT_OUTCOMES}
        optionLabel={(o) => OUTCOME_LABELS[o]}
        onChange={(outcome) => onChange({ outcome })}
      />
      <AnySelect
        id={`${id}-kind`}
        label="Kind"
        value={filters.kind}
        options={AUDIT_KINDS}
        optionLabel={(k) => KIND_LABELS[k]}
        onChange={(kind) => onChange({ kind })}
      />
      <DateTimeFilter id={`${id}-from`} label="From" value={from} max={to} onChange={setFrom} />
      <DateTimeFilter id={`${id}-to`} label="To" value={to} min={from} onChange={setTo} />
      {hasFilters(filters) && (
        <div className="col-span-2 flex h-8 items-center sm:col-span-1">
          <button
            type="button"
            onClick={() => onChange(NO_FILTERS)}
            className="rounded-sm text-sm font-medium whitespace-nowrap text-accent hover:underline"
          >
            Clear filters
          </button>
        </div>
      )}
      {vmInvalid && (
        <p id={`${id}-vm-hint`} className="col-span-full text-xs text-bad">
          A VM is filtered by its key, a whole number (the number in its page&apos;s address).
        </p>
      )}
    </form>
  );
}

const COLUMNS = [
  'Time',
  'User',
  'Source',
  'VM',
  'Action',
  'Reason',
  'Outcome',
  'VergeOS',
  'Latency',
  'Request id',
] as const;
const TH = 'px-2.5 py-2 text-left text-xs font-medium whitespace-nowrap text-muted';
const TD = 'px-2.5 py-1.5 align-top';
const SMALL = 'block text-xs text-muted';

function Row({ row }: { row: AuditRow }) {
  const how = [row.role, row.authKind].filter(Boolean).join(' · ');
  const params = row.params && row.params !== '{}' ? row.params : null;
  return (
    <tr className="border-t border-line hover:bg-sunken/60">
      <td className={`${TD} whitespace-nowrap`}>
        <IsoTimeAgo iso={row.at} />
      </td>
      <td className={TD}>
        <span className="block font-medium break-all">{row.actor ?? '—'}</span>
        {how && <span className={SMALL}>{how}</span>}
      </td>
      <td className={`${TD} tabular-nums`}>
        <span title={row.userAgent ?? undefined} className="break-all">
          {row.source ?? ''}
        </span>
      </td>
      <td className={TD}>
        {row.vmName !== null || row.vmKey !== null ? (
          <>
            <span className="block break-all">{row.vmName ?? ''}</span>
            {row.vmKey !== null && <span className={`${SMALL} tabular-nums`}>key {row.vmKey}</span>}
          </>
        ) : null}
      </td>
      <td className={TD}>
        <span className="block whitespace-nowrap">{rowActionWords(row.kind, row.action, row.params)}</span>
        {row.target && <span className={`${SMALL} break-all`}>{row.target}</span>}
        {params && (
          <code className="block max-w-[16rem] truncate font-mono text-[0.6875rem] text-muted" title={params}>
            {params}
          </code>
        )}
      </td>
      <td className={`${TD} max-w-[18rem] break-words`}>{row.reason ?? ''}</td>
      <td className={TD}>
        <OutcomeBadge outcome={row.outcome} />
      </td>
      <td className={`${TD} max-w-[18rem]`}>
        {row.vergeosStatus !== null && <span className="block tabular-nums">{row.vergeosStatus}</span>}
        {row.vergeosMessage && <span className={`${SMALL} break-words`}>{row.vergeosMessage}</span>}
      </td>
      <td className={`${TD} text-right whitespace-nowrap tabular-nums`}>{latencyText(row.latencyMs)}</td>
      <td className={`${TD} font-mono text-[0.6875rem] whitespace-nowrap text-muted`}>
        {row.requestId ?? ''}
      </td>
    </tr>
  );
}

function LoadError({ error, onRetry }: { error: Error; onRetry: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-bad/50 bg-bad-soft px-5 py-4 text-sm">
      <p className="flex items-center gap-2 font-semibold text-bad">
        <CircleX aria-hidden="true" className="size-4" strokeWidth={2.25} />
        Cannot load the audit log
      </p>
      <p className="mt-1 text-ink">{error.message}</p>
      <Button className="mt-3" onClick={onRetry}>
        Try again
      </Button>
    </div>
  );
}

export function AuditPage() {
  const [filters, setFilters] = useAuditFilters();
  const query = useInfiniteQuery(auditQueries.page(filters));
  const rows = query.data?.pages.flatMap((p) => p.rows) ?? [];

  let body: ReactNode;
  if (!query.data) {
    body = query.error ? (
      <LoadError error={query.error} onRetry={() => void query.refetch()} />
    ) : (
      <p className="py-6 text-sm text-muted">Loading…</p>
    );
  } else if (rows.length === 0) {
    body = (
      <div className="grid place-items-center rounded-lg border border-dashed border-line px-6 py-14 text-center">
        <SearchX aria-hidden="true" className="size-6 text-muted" />
        <p className="mt-2 font-medium">
          {hasFilters(filters) ? 'No records match these filters' : 'No records yet'}
        </p>
      </div>
    );
  } else {
    body = (
      <>
        <div className="overflow-x-auto rounded-lg border border-line bg-panel shadow-xs">
          <table aria-label="Audit records" className="w-full min-w-[64rem] border-collapse text-sm">
            <thead className="bg-sunken">
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c} scope="col" className={c === 'Latency' ? `${TH} text-right` : TH}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <Row key={row.id} row={row} />
              ))}
            </tbody>
          </table>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          {query.hasNextPage ? (
            <Button loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
              Load older
            </Button>
          ) : (
            <p className="text-sm text-muted">The oldest matching record is shown.</p>
          )}
          {query.isFetchNextPageError && (
            <p role="alert" className="text-sm text-bad">
              Could not load older records: {query.error?.message}
            </p>
          )}
          <RefreshFailed query={query} />
        </div>
      </>
    );
  }

  return (
    <Page
      title="Audit log"
      width="full"
      actions={
        <a
          href={auditCsvHref(filters)}
          download
          className="ml-auto inline-flex h-8 items-center gap-1.5 rounded-md bg-panel px-3 text-sm font-medium text-ink shadow-xs ring-1 ring-line ring-inset hover:bg-surface"
        >
          <Download aria-hidden="true" className="size-4" />
          Export CSV
        </a>
      }
    >
      <div className="rounded-lg border border-line bg-panel px-4 py-3 shadow-xs">
        <Filters filters={filters} onChange={setFilters} />
      </div>
      {body}
    </Page>
  );
}
