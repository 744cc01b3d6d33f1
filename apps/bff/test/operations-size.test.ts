// The documented maximum of a bulk operation (1,000 VMs, MAX_OPERATION_VMS) fits in a request (issue 12,
// finding 10): the body limit of POST /api/operations is sized for 1,000 keys of the largest size, pretty-printed,
// with a reason of the longest length in escaped characters; one byte more than that limit is still refused (413).
import type { Operation } from '@powerdeck/contracts/operations';
import { MAX_OPERATION_VMS } from '@powerdeck/contracts/operation-terms';
import { MAX_REASON_LENGTH } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import { OPERATION_BODY_LIMIT } from '../src/routes/operations';
import { fleetVms, opsApp, SCALE } from './operations-support';
import { useSimApp } from './support';

const env = useSimApp({ sim: { timeScale: SCALE, vms: MAX_OPERATION_VMS }, build: (sim) => opsApp(sim) });

function post(body: string) {
  return env.app.inject({
    method: 'POST',
    url: '/api/operations',
    headers: { ...env.app.adminHeaders, 'content-type': 'application/json' },
    payload: body,
  });
}

describe('a bulk operation of the documented maximum size', () => {
  it('accepts 1,000 VMs in one request (a 4 KB limit answered 413)', async () => {
    const keys = fleetVms(env.app).map((v) => v.key);
    expect(keys).toHaveLength(MAX_OPERATION_VMS);
    const res = await post(
      JSON.stringify({ action: 'start', vms: keys, reason: 'site back after maintenance' }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json<Operation>().vms).toHaveLength(MAX_OPERATION_VMS);
  });

  it('has room for the largest keys, pretty-printed, and the longest reason in escaped characters', () => {
    const worst = JSON.stringify(
      {
        action: 'shutdown',
        vms: Array.from({ length: MAX_OPERATION_VMS }, (_, i) => 2_147_483_647 - i),
        forceAfterS: 3600,
        timeoutS: 3600,
        parallelism: 16,
        reason: '\u2028'.repeat(MAX_REASON_LENGTH),
      },
      null,
      2,
    ).replaceAll('\u2028', '\\u2028');
    expect(Buffer.byteLength(worst)).toBeLessThanOrEqual(OPERATION_BODY_LIMIT);
  });

  it('still refuses a body past the limit with 413', async () => {
    const res = await post(`{"action":"start","vms":[1],"reason":"${'x'.repeat(OPERATION_BODY_LIMIT)}"}`);
    expect(res.statusCode).toBe(413);
  });
});
