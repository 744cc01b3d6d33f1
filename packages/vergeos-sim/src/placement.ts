// Node placement for a starting machine: the preferred node when it has room, else the node with the
// most free RAM that has both the cores and the RAM. When none has, say what is short.

export interface NodeRoom {
  readonly key: number;
  readonly name: string;
  readonly freeCores: number;
  readonly freeRam: number;
}

export interface Need {
  readonly cores: number;
  readonly ram: number;
}

type Placement =
  | { readonly ok: true; readonly node: number; readonly usedPreferred: boolean }
  | { readonly ok: false; readonly reason: string };

function fits(node: NodeRoom, need: Need): boolean {
  return node.freeCores >= need.cores && node.freeRam >= need.ram;
}

/** The node with the largest value of `by`; ties go to the lower $key. */
function most(nodes: readonly NodeRoom[], by: (n: NodeRoom) => number): NodeRoom | undefined {
  let best: NodeRoom | undefined;
  for (const n of nodes) if (!best || by(n) > by(best) || (by(n) === by(best) && n.key < best.key)) best = n;
  return best;
}

export function place(nodes: readonly NodeRoom[], need: Need, preferred: number | null): Placement {
  const pref = preferred === null ? undefined : nodes.find((n) => n.key === preferred);
  if (pref && fits(pref, need)) return { ok: true, node: pref.key, usedPreferred: true };
  const best = most(
    nodes.filter((n) => fits(n, need)),
    (n) => n.freeRam,
  );
  if (best) return { ok: true, node: best.key, usedPreferred: false };
  return { ok: false, reason: shortage(nodes, need) };
}

/** Why no node can take the machine, e.g. "not enough free RAM (needs 16384 MB, at most 8192 MB free on node3)". */
export function shortage(nodes: readonly NodeRoom[], need: Need): string {
  const mostCores = most(nodes, (n) => n.freeCores);
  const mostRam = most(nodes, (n) => n.freeRam);
  const coresShort = !mostCores || mostCores.freeCores < need.cores;
  const ramShort = !mostRam || mostRam.freeRam < need.ram;
  const cores = `CPU cores (needs ${need.cores}, at most ${Math.max(0, mostCores?.freeCores ?? 0)} free on ${mostCores?.name ?? 'any node'})`;
  const ram = `RAM (needs ${need.ram} MB, at most ${Math.max(0, mostRam?.freeRam ?? 0)} MB free on ${mostRam?.name ?? 'any node'})`;
  if (coresShort && ramShort) return `not enough free ${cores} and ${ram}`;
  if (coresShort) return `not enough free ${cores}`;
  if (ramShort) return `not enough free ${ram}`;
  return `no node has both ${need.cores} free CPU cores and ${need.ram} MB free RAM`;
}
