// The simulator's own control API under /__sim/: no authentication, not counted, never subject to a
// scenario. It exists only in the simulator.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimContext } from '../context';
import { notFound } from '../errors';
import { SCENARIOS } from '../scenarios';
import { checkNodePatch, checkScenario, checkVmPatch } from '../schemas';
import { machineStatusRow } from '../tables';

function keyParam(request: FastifyRequest, what: string): number {
  const raw = (request.params as Record<string, string | undefined>).key ?? '';
  if (!/^[0-9]{1,15}$/.test(raw)) throw notFound(`Not found: no ${what} '${raw}'`);
  return Number(raw);
}

/** A VM as tests see it: its row, its machine_status, and how its simulated guest behaves. */
function describeVm(ctx: SimContext, key: number) {
  const vm = ctx.cluster.vms.get(key);
  if (!vm) throw notFound(`VM not found: no row in 'vms' with $key ${key}`);
  const m = vm.machine;
  return {
    vm: vm.row,
    machine_status: machineStatusRow(m),
    guest: {
      ignores_acpi: vm.guest.ignoresAcpi,
      shutdown_seconds: vm.guest.shutdownMs / 1000,
      agent_installed: vm.guest.agentInstalled,
      start_failure: vm.guest.startFailure ?? null,
    },
    transition: m.runtime.phase
      ? { then: m.runtime.phase.then, in_ms: Math.max(0, m.runtime.phase.until - ctx.cluster.now()) }
      : null,
  };
}

function describeNode(ctx: SimContext, key: number) {
  const node = ctx.cluster.nodes.get(key);
  if (!node) throw notFound(`Node not found: no row in 'nodes' with $key ${key}`);
  return {
    node: node.row,
    capacity: { cores: node.cores, vm_ram: node.vmRam },
    used: { cores: node.usedCores, vm_ram: node.usedRam },
  };
}

export function controlRoutes(
  app: FastifyInstance,
  opts: { ctx: SimContext },
  done: (err?: Error) => void,
): void {
  const { ctx } = opts;

  app.get('/', (_request, reply) =>
    reply.send({
      simulator: 'vergeos-sim',
      scenario: ctx.scenarios.current,
      scenarios: SCENARIOS,
      time_scale: ctx.cluster.timeScale,
      in_transition: ctx.cluster.inTransition,
      routes: [
        'POST /__sim/reset',
        'GET /__sim/scenario',
        'POST /__sim/scenario {"name": "flaky", "failureRate"?: 0.3, "latencyMs"?: 1500}',
        'GET /__sim/vms/:key',
        'PUT /__sim/vms/:key {"status"?, "node"?, "status_info"?, "guest_agent"?, "ignores_acpi"?, "shutdown_seconds"?, "preferred_node"?, "start_failure"?}',
        'GET /__sim/nodes/:key',
        'PUT /__sim/nodes/:key {"cores"?, "vm_ram"?}',
        'GET /__sim/stats',
        'DELETE /__sim/stats',
      ],
    }),
  );

  app.post('/reset', (_request, reply) => {
    ctx.reset();
    return reply.send({ ok: true, scenario: ctx.scenarios.current });
  });

  app.get('/scenario', (_request, reply) => reply.send({ name: ctx.scenarios.current }));

  app.post('/scenario', (request, reply) => {
    const body = checkScenario(request.body);
    ctx.scenarios.set(body.name, {
      ...(body.latencyMs === undefined ? {} : { latencyMs: body.latencyMs }),
      ...(body.failureRate === undefined ? {} : { failureRate: body.failureRate }),
    });
    return reply.send({ ok: true, name: ctx.scenarios.current });
  });

  app.get('/vms/:key', (request, reply) => {
    ctx.cluster.tick();
    return reply.send(describeVm(ctx, keyParam(request, 'VM')));
  });

  app.put('/vms/:key', (request, reply) => {
    const key = keyParam(request, 'VM');
    const patch = checkVmPatch(request.body);
    ctx.cluster.setVm(key, patch);
    return reply.send(describeVm(ctx, key));
  });

  app.get('/nodes/:key', (request, reply) => {
    ctx.cluster.tick();
    return reply.send(describeNode(ctx, keyParam(request, 'node')));
  });

  app.put('/nodes/:key', (request, reply) => {
    const key = keyParam(request, 'node');
    const patch = checkNodePatch(request.body);
    ctx.cluster.tick();
    ctx.cluster.setNode(key, patch);
    return reply.send(describeNode(ctx, key));
  });

  app.get('/stats', (_request, reply) => reply.send(ctx.stats.snapshot(ctx.scenarios.current)));

  app.delete('/stats', (_request, reply) => {
    ctx.stats.clear();
    return reply.send({ ok: true });
  });

  done();
}
