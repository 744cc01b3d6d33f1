import { describe, expect, it } from 'vitest';
import type { ActionId } from '../src/features/power/lib/actions';
import {
  describeActionError,
  describeDone,
  describeFailure,
  describeOverdue,
  SESSION_ENDED,
} from '../src/features/power/lib/messages';
import type { PowerViewer } from '../src/features/power/lib/predicates';
import { ApiError, NetworkError } from '../src/lib/api-client';

// Who is looking, written out by hand: the hints go by permissions, the reason's words by role.
const ADMIN: PowerViewer = {
  role: 'admin',
  permissions: ['fleet:read', 'vm:start', 'vm:shutdown', 'vm:reboot', 'vm:force', 'vm:place'],
};
const HELPDESK: PowerViewer = {
  role: 'helpdesk',
  permissions: ['fleet:read', 'vm:start', 'vm:shutdown', 'vm:reboot'],
};

const ctx = { vmName: 'web-01', action: 'shutdown' as ActionId, who: ADMIN };
const api = (status: number, message: string, code?: string) => new ApiError(status, message, code);

describe('describeActionError: every code in plain words, naming the VM and what to do', () => {
  it('400: Powerdeck refused it, nothing was sent', () => {
    const v = describeActionError(
      api(400, "Invalid request: params.graceful is only valid with action 'reset'", 'invalid_action'),
      ctx,
    );
    expect(v.message.text).toMatch(
      /^Powerdeck refused the request to shut down web-01 \(Invalid request: .*\)\. Nothing was sent to VergeOS\./,
    );
    expect(v.message).toMatchObject({ status: 400, code: 'invalid_action' });
    expect(v).toMatchObject({ keepWatching: false, refresh: false });
  });

  it('400 reason_required: give a reason; nothing was sent', () => {
    const v = describeActionError(api(400, 'A reason is required to shut down a VM', 'reason_required'), {
      ...ctx,
      who: HELPDESK,
    });
    expect(v.message.text).toBe(
      'Give a reason to shut down web-01: your role (helpdesk) must say why. Nothing was sent to VergeOS.',
    );
    expect(v.message).toMatchObject({ status: 400, code: 'reason_required' });
    expect(v).toMatchObject({ keepWatching: false, refresh: false });
    expect(
      describeActionError(api(400, 'x', 'reason_required'), { ...ctx, action: 'reboot' }).message.text,
    ).toMatch(/^Give a reason to reboot web-01:/);
  });

  it('401: the session ended; sign in again', () => {
    const v = describeActionError(api(401, 'Sign in first', 'unauthenticated'), ctx);
    expect(v.message.text).toBe('Your session ended. Sign in again. web-01 was not shut down.');
    expect(v.message.text).toContain(SESSION_ENDED);
    expect(SESSION_ENDED).toBe('Your session ended. Sign in again.');
    expect(v).toMatchObject({ keepWatching: false, refresh: false });
  });

  it("403 forbidden: Powerdeck's own words, which say who may", () => {
    const v = describeActionError(
      api(403, 'Your role (viewer) may not shut down VMs: that needs helpdesk or admin', 'forbidden'),
      ctx,
    );
    expect(v.message.text).toBe(
      'Your role (viewer) may not shut down VMs: that needs helpdesk or admin. web-01 was not shut down.',
    );
    expect(v.message).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('403 csrf: a fault on our side, not a missing permission', () => {
    const v = describeActionError(api(403, 'Missing x-powerdeck-csrf header', 'csrf'), ctx);
    expect(v.message.text).toMatch(/^Powerdeck refused the request to shut down web-01 \(Missing/);
    expect(v.message.text).not.toMatch(/not allowed|permission/);
  });

  it('403: not allowed, with what VergeOS said', () => {
    const v = describeActionError(api(403, 'Permission denied'), ctx);
    expect(v.message.text).toBe(
      'You are not allowed to shut down web-01: VergeOS refused with “Permission denied”. Ask an administrator for the permission.',
    );
  });

  it('404: the VM no longer exists; the view refreshes', () => {
    const v = describeActionError(api(404, "VM not found: no row in 'vms' with $key 7"), ctx);
    expect(v.message.text).toBe(
      'web-01 no longer exists in VergeOS, so it was not shut down. The view is refreshing and will drop it.',
    );
    expect(v.refresh).toBe(true);
  });

  it.each([408, 504])(
    '%i: VergeOS did not answer in time; the action may still happen; keep watching',
    (status) => {
      const v = describeActionError(
        api(status, 'VergeOS did not answer within 15 s; the action may still happen', 'upstream_timeout'),
        ctx,
      );
      expect(v.message.text).toBe(
        'VergeOS did not answer in time when asked to shut down web-01; the action may still happen. Still watching its state: check it before trying again.',
      );
      expect(v.keepWatching).toBe(true);
    },
  );

  it('409 on a start: already running; the view refreshes', () => {
    const v = describeActionError(
      api(409, "Error starting machine: Machine is already running with status 'running'"),
      {
        ...ctx,
        action: 'start',
      },
    );
    expect(v.message.text).toBe(
      "web-01 is already running or changing state, so it was not started. VergeOS: “Error starting machine: Machine is already running with status 'running'”. The card now shows its current state.",
    );
    expect(v).toMatchObject({ refresh: true, keepWatching: false });
  });

  it('409 on a stop: not in a state for it', () => {
    const v = describeActionError(api(409, 'Cannot power off VM: not in running state'), ctx);
    expect(v.message.text).toBe(
      'web-01 is not in a state to be shut down (it may already be stopped or changing state). VergeOS: “Cannot power off VM: not in running state”. The card now shows its current state.',
    );
  });

  it('422: VergeOS refused it as invalid', () => {
    expect(describeActionError(api(422, "value 'x' is not in list"), ctx).message.text).toBe(
      "VergeOS refused the request to shut down web-01 as invalid: “value 'x' is not in list”. Nothing happened; please report it.",
    );
  });

  it('507 on a start: what is short (VergeOS says it) and what to try', () => {
    const v = describeActionError(
      api(
        507,
        "Error starting machine: Insufficient resources to start VM 'web-01': not enough free RAM (needs 16384 MB, at most 8192 MB free on node3)",
      ),
      { ...ctx, action: 'start' },
    );
    expect(v.message.text).toBe(
      "Not enough cluster resources to start web-01: “Insufficient resources to start VM 'web-01': not enough free RAM (needs 16384 MB, at most 8192 MB free on node3)”.",
    );
    expect(v.message.hints).toEqual([
      'shut down or hibernate a VM that is not needed to free capacity',
      'pick another node with Start on node…',
      'read its status_info in its details',
    ]);
  });

  it("507 with the guide's body", () => {
    expect(
      describeActionError(api(507, 'Insufficient cluster resources to start VM'), {
        ...ctx,
        action: 'start',
        who: HELPDESK,
      }).message,
    ).toMatchObject({
      text: 'Not enough cluster resources to start web-01: “Insufficient cluster resources to start VM”.',
      hints: expect.arrayContaining(['ask an admin to start it on another node']),
    });
  });

  it('500: VergeOS failed', () => {
    const v = describeActionError(api(500, 'Hypervisor error'), ctx);
    expect(v.message.text).toBe(
      'VergeOS failed to shut down web-01: “Hypervisor error”. Check web-01’s state; if it did not change, try again in a minute or check the node in VergeOS.',
    );
    expect(v.keepWatching).toBe(false);
  });

  it('502: VergeOS unreachable', () => {
    const v = describeActionError(
      api(502, 'Cannot connect to VergeOS (embedded simulator): connection refused', 'upstream_unreachable'),
      ctx,
    );
    expect(v.message.text).toBe(
      'Powerdeck could not reach VergeOS, so web-01 was most likely not shut down: Cannot connect to VergeOS (embedded simulator): connection refused. Check its state once VergeOS is reachable, then try again.',
    );
    expect(v.message.code).toBe('upstream_unreachable');
  });

  it('no answer at all (offline): not retried, check before trying again', () => {
    const v = describeActionError(new NetworkError('Failed to fetch'), ctx);
    expect(v.message).toMatchObject({ status: 0 });
    expect(v.message.text).toBe(
      'The request to shut down web-01 got no answer: the browser may be offline or Powerdeck unreachable. It is not retried; check web-01’s state before trying again.',
    );
    expect(v.keepWatching).toBe(false);
  });

  it('any other status still names the VM and the status', () => {
    expect(describeActionError(api(418, 'teapot'), ctx).message.text).toBe(
      'Could not shut down web-01: VergeOS or Powerdeck answered 418 (teapot). Check its state before trying again.',
    );
  });

  it('something that is not an HTTP error', () => {
    expect(describeActionError(new TypeError('boom'), ctx).message.text).toBe(
      'Could not shut down web-01: boom. Check its state before trying again.',
    );
  });

  it('uses each action’s verb', () => {
    const verbs: Record<ActionId, string> = {
      start: 'start',
      shutdown: 'shut down',
      reboot: 'reboot',
      forceOff: 'force off',
      reset: 'reset',
      hibernate: 'hibernate',
    };
    for (const [action, verb] of Object.entries(verbs) as [ActionId, string][]) {
      expect(describeActionError(api(500, 'x'), { ...ctx, action }).message.text).toContain(
        `failed to ${verb} web-01`,
      );
    }
  });
});

describe('describeFailure', () => {
  it('a start that ended in error says why and what to try', () => {
    expect(
      describeFailure('start', 'web-01', 'error', 'Error starting machine: qemu exited with code 1', ADMIN),
    ).toEqual({
      status: 0,
      text: 'web-01 failed to start (now Error): “qemu exited with code 1”.',
      hints: [
        'read its status_info in its details',
        'pick another node with Start on node…',
        'shut down or hibernate a VM that is not needed to free capacity',
      ],
    });
  });

  it('without status_info it says VergeOS gave no reason', () => {
    expect(describeFailure('start', 'web-01', 'stopped', '', HELPDESK).text).toBe(
      'web-01 failed to start (now Stopped): VergeOS gave no reason (status_info is empty).',
    );
  });

  it('other actions', () => {
    expect(describeFailure('shutdown', 'web-01', 'running', '', ADMIN).text).toBe(
      'web-01 did not shut down (now Running). Check the guest and its status_info before trying again.',
    );
  });
});

describe('describeOverdue', () => {
  const vm = { name: 'web-01', status: 'running' as const, statusInfo: '' };

  it('a stuck shut down offers Force off to an admin', () => {
    expect(describeOverdue('shutdown', vm, ADMIN)).toEqual({
      text: 'Shut down did not finish within 120 s. The guest may be ignoring the ACPI signal; force it off if it must stop now.',
      next: 'forceOff',
    });
  });

  it('to help desk it says to ask an admin', () => {
    expect(describeOverdue('shutdown', vm, HELPDESK)).toEqual({
      text: 'Shut down did not finish within 120 s. The guest may be ignoring the ACPI signal; ask an admin to force it off.',
    });
  });

  it('a stuck reboot offers Reset', () => {
    expect(describeOverdue('reboot', vm, ADMIN).next).toBe('reset');
  });

  it('a stuck start points to status_info', () => {
    expect(
      describeOverdue('start', { ...vm, status: 'starting', statusInfo: 'waiting for storage' }, ADMIN).text,
    ).toBe(
      'Start did not finish within 60 s. Its status_info says “waiting for storage”. Open web-01’s details to read it.',
    );
    expect(describeOverdue('start', { ...vm, status: 'starting' }, ADMIN).text).toContain(
      'VergeOS reports no status_info',
    );
  });

  it('force off, reset and hibernate', () => {
    expect(describeOverdue('forceOff', vm, ADMIN).text).toMatch(/^Force off did not finish within 30 s\./);
    expect(describeOverdue('reset', vm, ADMIN).text).toMatch(/^Reset did not finish within 60 s\./);
    expect(describeOverdue('hibernate', vm, ADMIN).text).toMatch(/^Hibernate did not finish within 120 s\./);
  });
});

describe('describeDone', () => {
  it('says what the VM is now and how long it took', () => {
    expect(describeDone('shutdown', 'web-01', 14_400)).toBe('web-01 is shut down (14 s).');
    expect(describeDone('reboot', 'web-01', 100)).toBe('web-01 has rebooted (1 s).');
  });
});
