// How many VMs an operation acts on at once, as typed in a bulk confirmation (1-16). Pure.
import { PARALLELISM } from '@powerdeck/contracts/operation-terms';
import { parseWhole } from '../../../lib/whole-number';

export function parseParallelism(text: string): number | null {
  return parseWhole(text, PARALLELISM);
}
