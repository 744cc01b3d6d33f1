// Everything the card says about an action, in plain words: the VM's name, what happened and what
// to do. Pure, so each case is tested on its own.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { PowerStatus } from '@powerdeck/contracts/power';
import { ApiError, NetworkError } from '../../../lib/api-client';
import { STATUS } from '../../../lib/status';
import { ACTIONS, type ActionId } from './actions';
import { canForceOff, canPowerOnNode, canReset, type PowerViewer } from './predicates';
import type { ActionMessage } from './watch';

interface ErrorContext {
  vmName: string;
  action: ActionId;
  /** Who sent it: their role for the words, their permissions for the hints. */
  who: PowerViewer;
}

/** What the card does about an error besides saying it. */
interface ErrorVerdict {
  message: ActionMessage;
  /** VergeOS may still carry the action out: keep the progress bar and keep watching. */
  keepWatching: boolean;
  /** The view is out of step with VergeOS: refetch the fleet snapshot now. */
  refresh: boolean;
}

/** What the card says when the session is gone (the sign-in page then says it too). */
export const SESSION_ENDED = 'Your session ended. Sign in again.';

/** The text as one sentence: ends with a full stop. */
const sentence = (s: string) => (/[.!?…]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

const quote = (s: string) => `“${s.replace(/[.\s]+$/, '')}”`;

/** VergeOS's message without its generic lead ("Error starting machine: "), which the card already says. */
const gist = (s: string) => quote(s.replace(/^Error [a-z]+ machine:\s*/i, '') || s);

/**
 * Ways to get a VM running that did not start: refused for capacity (507), or started and ended in
 * `error` (its status_info says why).
 */
function startHints(who: PowerViewer, why: 'capacity' | 'failed'): string[] {
  const free = 'shut down or hibernate a VM that is not needed to free capacity';
  const node = canPowerOnNode('stopped', who.permissions)
    ? 'pick another node with Start on node…'
    : 'ask an admin to start it on another node';
  const info = 'read its status_info in its details';
  return why === 'capacity' ? [free, node, info] : [info, node, free];
}

/** The error of a `vm_actions` POST, as the card says it. */
export function describeActionError(error: unknown, ctx: ErrorContext): ErrorVerdict {
  const { vmName: name, action, who } = ctx;
  const a = ACTIONS[action];
  const msg = (status: number, text: string, extra: Partial<ActionMessage> = {}, code?: string) => ({
    status,
    text,
    ...(code ? { code } : {}),
    ...extra,
  });
  const stop = (message: ActionMessage, refresh = false): ErrorVerdict => ({
    message,
    keepWatching: false,
    refresh,
  });

  if (error instanceof NetworkError) {
    return stop(
      msg(
        0,
        `The request to ${a.verb} ${name} got no answer: the browser may be offline or Powerdeck unreachable. ` +
          `It is not retried; check ${name}’s state before trying again.`,
      ),
    );
  }
  if (!(error instanceof ApiError)) {
    const detail = error instanceof Error ? error.message : String(error);
    return stop(msg(0, `Could not ${a.verb} ${name}: ${detail}. Check its state before trying again.`));
  }

  const said = error.message;
  const code = error.code;
  switch (error.status) {
    case 400:
      if (code === 'reason_required') {
        return stop(
          msg(
            400,
            `Give a reason to ${a.verb} ${name}: your role (${who.role}) must say why. Nothing was sent to VergeOS.`,
            {},
            code,
          ),
        );
      }
      return stop(
        msg(
          400,
          `Powerdeck refused the request to ${a.verb} ${name} (${said}). Nothing was sent to VergeOS. ` +
            `This is a fault in Powerdeck: please report it.`,
          {},
          code,
        ),
      );
    case 401:
      return stop(msg(401, `${SESSION_ENDED} ${name} was not ${a.past}.`, {}, code));
    case 403:
      if (code === 'forbidden') {
        // Powerdeck's own refusal says who may do it ("Your role (viewer) may not shut down VMs: ...").
        return stop(msg(403, `${sentence(said)} ${name} was not ${a.past}.`, {}, code));
      }
      if (code === 'csrf') {
        return stop(
          msg(
            403,
            `Powerdeck refused the request to ${a.verb} ${name} (${said}). Nothing was sent to VergeOS. ` +
              `Reload the page; if it happens again, please report it.`,
            {},
            code,
          ),
        );
      }
      return stop(
        msg(
          403,
          `You are not allowed to ${a.verb} ${name}: VergeOS refused with ${quote(said)}. ` +
            `Ask an administrator for the permission.`,
          {},
          code,
        ),
      );
    case 404:
      return stop(
        msg(
          404,
          `${name} no longer exists in VergeOS, so it was not ${a.past}. The view is refreshing and will drop it.`,
          {},
          code,
        ),
        true,
      );
    case 408:
    case 504:
      return {
        message: msg(
          error.status,
          `VergeOS did not answer in time when asked to ${a.verb} ${name}; the action may still happen. ` +
            `Still watching its state: check it before trying again.`,
          {},
          code,
        ),
        keepWatching: true,
        refresh: true,
      };
    case 409: {
      const why =
        action === 'start'
          ? `${name} is already running or changing state, so it was not started`
          : `${name} is not in a state to be ${a.past} (it may already be stopped or changing state)`;
      return stop(
        msg(409, `${why}. VergeOS: ${quote(said)}. The card now shows its current state.`, {}, code),
        true,
      );
    }
    case 422:
      return stop(
        msg(
          422,
          `VergeOS refused the request to ${a.verb} ${name} as invalid: ${quote(said)}. Nothing happened; ` +
            `please report it.`,
          {},
          code,
        ),
      );
    case 507:
      return stop(
        msg(
          507,
          `Not enough cluster resources to ${a.verb} ${name}: ${gist(said)}.`,
          action === 'start' ? { hints: startHints(who, 'capacity') } : {},
          code,
        ),
      );
    case 500:
      return stop(
        msg(
          500,
          `VergeOS failed to ${a.verb} ${name}: ${quote(said)}. Check ${name}’s state; if it did not change, ` +
            `try again in a minute or check the node in VergeOS.`,
          {},
          code,
        ),
        true,
      );
    case 502:
    case 503:
      return stop(
        msg(
          error.status,
          `Powerdeck could not reach VergeOS, so ${name} was most likely not ${a.past}: ${said}. ` +
            `Check its state once VergeOS is reachable, then try again.`,
          {},
          code,
        ),
        true,
      );
    default:
      return stop(
        msg(
          error.status,
          `Could not ${a.verb} ${name}: VergeOS or Powerdeck answered ${error.status} (${said}). ` +
            `Check its state before trying again.`,
          {},
          code,
        ),
        true,
      );
  }
}

const label = (s: PowerStatus) => STATUS[s].label;

/** An action that moved, then settled where it should not have. */
export function describeFailure(
  action: ActionId,
  vmName: string,
  status: PowerStatus,
  statusInfo: string,
  who: PowerViewer,
): ActionMessage {
  const info = statusInfo.trim();
  if (action === 'start') {
    return {
      status: 0,
      text:
        `${vmName} failed to start (now ${label(status)}): ` +
        (info ? `${gist(info)}.` : 'VergeOS gave no reason (status_info is empty).'),
      hints: startHints(who, 'failed'),
    };
  }
  const a = ACTIONS[action];
  return {
    status: 0,
    text:
      `${vmName} did not ${a.verb} (now ${label(status)})` +
      (info ? ` (${quote(info)}).` : '.') +
      ` Check the guest and its status_info before trying again.`,
  };
}

interface Overdue {
  text: string;
  /** The next step the card offers as a button, when the permissions allow it. */
  next?: ActionId;
}

/** What the card says once an action has taken longer than the guide's timeout. */
export function describeOverdue(
  action: ActionId,
  vm: Pick<FleetVm, 'name' | 'status' | 'statusInfo'>,
  who: PowerViewer,
): Overdue {
  const a = ACTIONS[action];
  const head = `${a.label} did not finish within ${a.timeoutMs / 1000} s.`;
  const info = vm.statusInfo.trim();
  const infoText = info ? `Its status_info says ${quote(info)}.` : 'VergeOS reports no status_info for it.';
  switch (action) {
    case 'shutdown':
      return canForceOff(vm.status, who.permissions)
        ? {
            text: `${head} The guest may be ignoring the ACPI signal; force it off if it must stop now.`,
            next: 'forceOff',
          }
        : { text: `${head} The guest may be ignoring the ACPI signal; ask an admin to force it off.` };
    case 'reboot':
      return canReset(vm.status, who.permissions)
        ? {
            text: `${head} The guest may be ignoring the request; reset it if it must restart now.`,
            next: 'reset',
          }
        : { text: `${head} The guest may be ignoring the request; ask an admin to reset it.` };
    case 'start':
      return { text: `${head} ${infoText} Open ${vm.name}’s details to read it.` };
    case 'hibernate':
      return { text: `${head} The guest may not support hibernation. ${infoText}` };
    case 'forceOff':
    case 'reset':
      return { text: `${head} VergeOS or the node may be in trouble. ${infoText}` };
  }
}

/** "Shut down in 14 s": said once an action has finished. */
export function describeDone(action: ActionId, vmName: string, elapsedMs: number): string {
  const s = Math.max(1, Math.round(elapsedMs / 1000));
  const what: Record<ActionId, string> = {
    start: 'is running',
    shutdown: 'is shut down',
    reboot: 'has rebooted',
    forceOff: 'is off',
    reset: 'has restarted',
    hibernate: 'is hibernated',
  };
  return `${vmName} ${what[action]} (${s} s).`;
}
