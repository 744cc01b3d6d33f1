// Keeping the list of operations current from two sources: `GET /api/operations` (the first load, and every 2 s
// while the event stream is down) and the stream's `operation` events (one operation at a time, at every change).
// Either may arrive after the other with older news (a list fetched before an event, answered after it), so for
// each id the newer of the two wins, judged by how far the operation has got. Pure (tested in
// test/operations-merge.test.ts).
import type { Operation, OperationList } from '@powerdeck/contracts/operations';

/** How many finished operations the browser keeps (running ones are always kept). */
export const KEEP_FINISHED = 100;

const time = (iso: string | null): number => {
  const t = iso === null ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : 0;
};

/**
 * How far an operation has got, compared in order: finished at all; VMs settled (done, skipped, failed,
 * cancelled); VMs past pending; escalations; the latest step sent. An operation never goes back on any of these.
 */
function progressKey(op: Operation): number[] {
  const c = op.counts;
  const settled = c.done + c.skipped + c.failed + c.cancelled;
  let escalated = 0;
  let lastStep = 0;
  for (const vm of op.vms) {
    if (vm.escalated) escalated += 1;
    lastStep = Math.max(lastStep, time(vm.stepAt));
  }
  return [op.status === 'running' ? 0 : 1, settled, c.active + settled, escalated, lastStep];
}

/** Whether `candidate` is at least as far along as `current` (a tie goes to the candidate: it came later). */
export function isNewer(candidate: Operation, current: Operation): boolean {
  const a = progressKey(candidate);
  const b = progressKey(current);
  for (let i = 0; i < a.length; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Running first (oldest first: they finish in that order), then finished ones, most recent first. */
export function sortOperations(ops: Operation[]): Operation[] {
  const running = ops
    .filter((o) => o.status === 'running')
    .sort((a, b) => time(a.createdAt) - time(b.createdAt));
  const done = ops
    .filter((o) => o.status !== 'running')
    .sort((a, b) => time(b.finishedAt ?? b.createdAt) - time(a.finishedAt ?? a.createdAt))
    .slice(0, KEEP_FINISHED);
  return [...running, ...done];
}

/**
 * One operation (an event, or a mutation's answer) into the list: it replaces the one with its id unless that one
 * is further along; a new id is added. Returns the same list object when nothing changed.
 */
export function mergeOperation(list: OperationList | undefined, op: Operation): OperationList {
  const ops = list?.operations ?? [];
  const i = ops.findIndex((o) => o.id === op.id);
  if (i >= 0) {
    const current = ops[i] as Operation;
    if (current === op || !isNewer(op, current)) return list ?? { operations: ops };
    const next = [...ops];
    next[i] = op;
    // A change of status moves it between the running and the finished part.
    return { operations: current.status === op.status ? next : sortOperations(next) };
  }
  return { operations: sortOperations([...ops, op]) };
}

/**
 * A fetched list against what the cache holds (which may have newer events in it): the fetched list decides which
 * operations there are, plus any running one it does not know yet; for each id the newer copy wins.
 */
export function mergeLists(cached: OperationList | undefined, fetched: OperationList): OperationList {
  if (!cached) return { operations: sortOperations([...fetched.operations]) };
  const byId = new Map(cached.operations.map((o) => [o.id, o]));
  const seen = new Set<string>();
  const out: Operation[] = [];
  for (const f of fetched.operations) {
    seen.add(f.id);
    const c = byId.get(f.id);
    out.push(c && !isNewer(f, c) ? c : f);
  }
  for (const c of cached.operations) if (!seen.has(c.id) && c.status === 'running') out.push(c);
  return { operations: sortOperations(out) };
}

/** An event's data as an operation, or null when it is not one (a malformed event is ignored). */
export function parseOperation(data: string): Operation | null {
  try {
    const v: unknown = JSON.parse(data);
    if (!v || typeof v !== 'object') return null;
    const o = v as Partial<Operation>;
    if (typeof o.id !== 'string' || typeof o.status !== 'string' || !Array.isArray(o.vms) || !o.counts)
      return null;
    return v as Operation;
  } catch {
    return null;
  }
}
