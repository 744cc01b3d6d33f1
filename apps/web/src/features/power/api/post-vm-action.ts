// The one request this feature makes: a VergeOS-shaped action to the BFF's `vm_actions` route. The body stays
// exactly VergeOS's; why the person did it rides in REASON_HEADER, URI-encoded.
import type { ActionReceipt } from '@powerdeck/contracts/power';
import { REASON_HEADER } from '@powerdeck/contracts/roles';
import { postJson } from '../../../lib/api-client';
import type { VmActionRequest } from '../lib/actions';
import { cleanReason } from '../lib/reason';

export const VM_ACTIONS_PATH = '/api/v4/vm_actions';

/** The fleet snapshot's query key (owned by the fleet feature; features do not import each other). */
export const FLEET_SNAPSHOT_KEY = ['fleet', 'snapshot'] as const;

interface VmActionOptions {
  /** Why (recorded in the audit log; required of helpdesk for a shut down or reboot). Blank: none sent. */
  reason?: string | undefined;
}

/** POSTs `{ vm, action, params? }` once; throws the api-client's typed errors. */
export function postVmAction(body: VmActionRequest, opts: VmActionOptions = {}): Promise<ActionReceipt> {
  const reason = cleanReason(opts.reason);
  return postJson<ActionReceipt>(
    VM_ACTIONS_PATH,
    body,
    reason === undefined ? {} : { headers: { [REASON_HEADER]: encodeURIComponent(reason) } },
  );
}
