// The one request this feature makes: a VergeOS-shaped action to the BFF's `vm_actions` route.
import type { ActionReceipt } from '@powerdeck/contracts/power';
import { postJson } from '../../../lib/api-client';
import type { VmActionRequest } from '../lib/actions';

export const VM_ACTIONS_PATH = '/api/v4/vm_actions';

/** The fleet snapshot's query key (owned by the fleet feature; features do not import each other). */
export const FLEET_SNAPSHOT_KEY = ['fleet', 'snapshot'] as const;

/** POSTs `{ vm, action, params? }` once; throws the api-client's typed errors. */
export function postVmAction(body: VmActionRequest): Promise<ActionReceipt> {
  return postJson<ActionReceipt>(VM_ACTIONS_PATH, body);
}
