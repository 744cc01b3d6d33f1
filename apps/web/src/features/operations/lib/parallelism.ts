// How many VMs an operation acts on at once, as typed in a bulk confirmation (1-16). Pure.
import { PARALLELISM } from '@powerdeck/contracts/operation-terms';

export function parseParallelism(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= PARALLELISM.min && n <= PARALLELISM.max ? n : null;
}
