// The simulator's control API (`/__sim/`), for setting up state and checking side effects, and the BFF's fleet
// snapshot, to know when the BFF has seen a change. Neither acts for the user: specs act through the UI.
import type { AuditPage, AuditRow } from '@powerdeck/contracts/audit';
import type { Operation, OperationList } from '@powerdeck/contracts/operations';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { expect, type APIRequestContext } from '@playwright/test';
import type { ScenarioName } from '@powerdeck/vergeos-sim';
import { SIM_API_KEY } from './servers';

export type { ScenarioName } from '@powerdeck/vergeos-sim';

/** Machine statuses the simulator can be told to put a VM in. */
export type SimStatus =
  'running' | 'stopped' | 'starting' | 'stopping' | 'hibernated' | 'hibernating' | 'error';

export interface SimVmPatch {
  status?: SimStatus;
  node?: number | null;
  status_info?: string;
  guest_agent?: boolean;
  ignores_acpi?: boolean;
  shutdown_seconds?: number;
  preferred_node?: number | null;
}

/** `GET /__sim/vms/:key`: the VM's row, its machine_status and how its guest behaves. */
export interface SimVm {
  vm: { $key: number; name: string; cpu_cores: number; ram: number } & Record<string, unknown>;
  machine_status: {
    status: string;
    status_info: string;
    running: boolean;
    powerstate: boolean;
    node: number | null;
    /** Epoch seconds of the last start. */
    started: number | null;
  } & Record<string, unknown>;
  guest: { ignores_acpi: boolean; shutdown_seconds: number; agent_installed: boolean };
  transition: { then: string; in_ms: number } | null;
}

export interface SimNode {
  node: { $key: number; name: string } & Record<string, unknown>;
  capacity: { cores: number; vm_ram: number };
  used: { cores: number; vm_ram: number };
}

export interface SimStats {
  /** Requests per `METHOD /route/pattern`, e.g. `{"POST /api/v4/vm_actions": 1}`. */
  requests: Record<string, number>;
  total: number;
  /** Power actions accepted (201), per action. */
  actions: Record<string, number>;
  log: {
    seq: number;
    /** ISO time the request reached the simulator. */
    time: string;
    method: string;
    url: string;
    route: string;
    status: number | null;
    requestId: string | null;
  }[];
  scenario: ScenarioName;
}

export const ACTION_ROUTE = 'POST /api/v4/vm_actions';

/** The BFF's fleet snapshot, as far as the specs read it. */
export interface BffSnapshot {
  fetchedAt: string | null;
  stale: boolean;
  staleSince: string | null;
  /** The BFF's normal poll interval (ms): what the wall's "three poll intervals" count in. */
  normalIntervalMs: number;
  vms: { key: number; name: string; status: string; agentReporting: boolean }[];
}

/**
 * The BFF's read side, through a request context signed in as the admin (see fixtures.ts, "Personas").
 */
export class Bff {
  constructor(private readonly api: APIRequestContext) {}

  async snapshot(): Promise<BffSnapshot> {
    const res = await this.api.get('/api/fleet');
    expect(res.status(), 'GET /api/fleet').toBe(200);
    return (await res.json()) as BffSnapshot;
  }

  /** Audit records (newest first), all pages, as the admin reads them (GET /api/audit). */
  async auditRows(filters: Record<string, string> = {}): Promise<AuditRow[]> {
    const rows: AuditRow[] = [];
    let cursor: number | null = null;
    do {
      const params: Record<string, string> = { ...filters, limit: '1000' };
      if (cursor !== null) params.cursor = String(cursor);
      const res = await this.api.get('/api/audit', { params });
      expect(res.status(), 'GET /api/audit').toBe(200);
      const page = (await res.json()) as AuditPage;
      rows.push(...page.rows);
      cursor = page.next;
    } while (cursor !== null);
    return rows;
  }

  async vmStatus(key: number): Promise<string | undefined> {
    return (await this.snapshot()).vms.find((v) => v.key === key)?.status;
  }

  /** Whether the BFF's snapshot says the VM's guest agent reports (what the Shut down dialog reads). */
  async agentReporting(key: number): Promise<boolean | undefined> {
    return (await this.snapshot()).vms.find((v) => v.key === key)?.agentReporting;
  }

  /** Operations (GET /api/operations): the running ones first, then the most recent finished ones. */
  async operations(): Promise<Operation[]> {
    const res = await this.api.get('/api/operations');
    expect(res.status(), 'GET /api/operations').toBe(200);
    return ((await res.json()) as OperationList).operations;
  }

  /** The newest operation that names a VM, optionally only one created since an ISO time. */
  async operationFor(key: number, since = ''): Promise<Operation | undefined> {
    const ops = await this.operations();
    return ops
      .filter((op) => op.createdAt >= since && op.vms.some((vm) => vm.key === key))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  }

  async operation(id: string): Promise<Operation> {
    const res = await this.api.get(`/api/operations/${id}`);
    expect(res.status(), `GET /api/operations/${id}`).toBe(200);
    return (await res.json()) as Operation;
  }

  /**
   * Cancels every running operation (as the admin), so that one a failed test left waiting never sends a step
   * into the next test. Cancelling stops before the next step; a step already on its way still lands.
   */
  async cancelRunningOperations(): Promise<void> {
    for (const op of await this.operations()) {
      if (op.status !== 'running') continue;
      const res = await this.api.post(`/api/operations/${op.id}/cancel`, { headers: { [CSRF_HEADER]: '1' } });
      // 409: it finished in between.
      expect([200, 409], `cancel operation ${op.id}`).toContain(res.status());
    }
  }
}

export class Sim {
  constructor(
    private readonly api: APIRequestContext,
    private readonly bff: Bff,
  ) {}

  private async ok<T>(what: string, res: Awaited<ReturnType<APIRequestContext['get']>>): Promise<T> {
    if (!res.ok()) throw new Error(`${what}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /**
   * Back to the seeded fleet, scenario `none`, counters cleared; resolves once the BFF's snapshot shows the
   * seeded state again, so a page loaded next never shows what the previous test left.
   */
  async reset(): Promise<void> {
    await this.ok('POST /__sim/reset', await this.api.post('/__sim/reset'));
    const seeded = await this.ok<{ $key: number; status: string }[]>(
      'GET /api/v4/vms',
      await this.api.get('/api/v4/vms', {
        params: { filter: 'is_snapshot eq false', fields: '$key,machine#status#status as status' },
        headers: { authorization: `Bearer ${SIM_API_KEY}` },
      }),
    );
    await expect
      .poll(
        async () => {
          const snap = await this.bff.snapshot();
          if (snap.stale) return 'the BFF snapshot is stale';
          const shown = new Map(snap.vms.map((v) => [v.key, v.status]));
          const behind = seeded.filter((v) => shown.get(v.$key) !== v.status);
          return behind.length === 0 ? 'in step' : `${behind.length} VMs differ`;
        },
        { message: 'the BFF shows the seeded fleet after a simulator reset', timeout: 20_000 },
      )
      .toBe('in step');
    await this.clearStats();
  }

  async scenario(
    name: ScenarioName,
    settings: { latencyMs?: number; failureRate?: number } = {},
  ): Promise<void> {
    await this.ok(
      `POST /__sim/scenario ${name}`,
      await this.api.post('/__sim/scenario', { data: { name, ...settings } }),
    );
  }

  async vm(key: number): Promise<SimVm> {
    return this.ok(`GET /__sim/vms/${key}`, await this.api.get(`/__sim/vms/${key}`));
  }

  /** The VM's machine status, e.g. `running`. */
  async status(key: number): Promise<string> {
    return (await this.vm(key)).machine_status.status;
  }

  /**
   * Changes a VM. With a `status`, waits until the BFF's snapshot shows it too (unless `waitForBff` is false:
   * a change "elsewhere" that the UI has not seen yet).
   */
  async setVm(key: number, patch: SimVmPatch, opts: { waitForBff?: boolean } = {}): Promise<SimVm> {
    const vm = await this.ok<SimVm>(
      `PUT /__sim/vms/${key}`,
      await this.api.put(`/__sim/vms/${key}`, { data: patch }),
    );
    if (patch.status !== undefined && opts.waitForBff !== false) {
      await expect
        .poll(() => this.bff.vmStatus(key), { message: `the BFF shows VM ${key} ${patch.status}` })
        .toBe(patch.status);
    }
    return vm;
  }

  async node(key: number): Promise<SimNode> {
    return this.ok(`GET /__sim/nodes/${key}`, await this.api.get(`/__sim/nodes/${key}`));
  }

  async setNode(key: number, patch: { cores?: number; vm_ram?: number }): Promise<SimNode> {
    return this.ok(`PUT /__sim/nodes/${key}`, await this.api.put(`/__sim/nodes/${key}`, { data: patch }));
  }

  async stats(): Promise<SimStats> {
    return this.ok('GET /__sim/stats', await this.api.get('/__sim/stats'));
  }

  /**
   * When the simulator last answered one of the BFF's fleet polls successfully (epoch ms, by this machine's clock,
   * as the simulator logged it): the later arrival of the poll's two reads (the VM list and the nodes), both
   * answered 200, of the last poll that had both. Null when no poll succeeded since the stats were cleared.
   */
  async lastPollAnswered(): Promise<number | null> {
    const { log } = await this.stats();
    const last = (route: string) => {
      const hits = log.filter((e) => e.method === 'GET' && e.route === route && e.status === 200);
      const at = hits.at(-1)?.time;
      return at === undefined ? null : Date.parse(at);
    };
    const vms = last('/api/v4/vms');
    const nodes = last('/api/v4/nodes');
    // A poll whose other read failed did not succeed: the earlier of the two is the last poll that did.
    return vms === null || nodes === null ? null : Math.min(vms, nodes);
  }

  async clearStats(): Promise<void> {
    await this.ok('DELETE /__sim/stats', await this.api.delete('/__sim/stats'));
  }

  /**
   * Resolves after the BFF has polled the fleet `n` more times (about 250-500 ms each): long enough for anything
   * a browser sent before to have reached the simulator. For checking that something did *not* happen.
   */
  async afterBffPolls(n = 2): Promise<void> {
    const polls = async () => (await this.stats()).requests['GET /api/v4/vms'] ?? 0;
    const from = await polls();
    await expect
      .poll(polls, { message: `the BFF polls the fleet ${n} more times`, timeout: 15_000 })
      .toBeGreaterThanOrEqual(from + n);
  }

  /** How many `POST /api/v4/vm_actions` reached the simulator since the stats were cleared. */
  async actionPosts(): Promise<number> {
    return (await this.stats()).requests[ACTION_ROUTE] ?? 0;
  }

  /** How many actions of one kind were accepted (201), e.g. `poweron`. */
  async accepted(action: string): Promise<number> {
    return (await this.stats()).actions[action] ?? 0;
  }
}
