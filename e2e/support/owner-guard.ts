// Preloaded into every server the e2e suite starts (`node --import tsx --import ./e2e/support/owner-guard.ts`):
// the server stops by itself when the process that started it is gone (a crashed or killed test runner) or
// after a maximum lifetime, so no simulator or BFF outlives a run.
//
//   PD_E2E_OWNER_PID       the pid of the process that owns this server (the runner, or a test worker)
//   PD_E2E_MAX_LIFETIME_S  stop after this many seconds whatever happens (default 1800)

const CHECK_MS = 1000;
const FORCE_EXIT_MS = 10_000;

let stopping = false;
function stop(why: string): void {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`[e2e owner-guard] stopping: ${why}\n`);
  // The servers close gracefully on SIGTERM; exit hard if that takes too long.
  setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
  process.kill(process.pid, 'SIGTERM');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else (cannot happen for our own parent, but it is alive).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const owner = Number(process.env.PD_E2E_OWNER_PID);
if (Number.isInteger(owner) && owner > 0) {
  setInterval(() => {
    if (!alive(owner)) stop(`its owner (pid ${owner}) has exited`);
  }, CHECK_MS).unref();
}

const lifetimeS = Number(process.env.PD_E2E_MAX_LIFETIME_S ?? 1800);
if (Number.isFinite(lifetimeS) && lifetimeS > 0) {
  setTimeout(() => stop(`its maximum lifetime of ${lifetimeS} s has passed`), lifetimeS * 1000).unref();
}

export {};
