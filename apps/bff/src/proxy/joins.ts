// Join paths on the VergeOS routes: an allow-list. VergeOS joins through references with `#`
// (`machine#status#status as status`), and a join reaches whatever table the reference points at (`machine#cluster#name`
// read cluster names through GET /api/v4/vms). Powerdeck exposes the VM list and machine statuses, not the tables behind
// them, so only the joins the dashboard, the BFF's own client, the VergeOS guide's scripts and the SDKs' default
// fields use pass (names only: a VM's status and its node's name, a status's node name, a node's cluster name); every
// other one is refused before anything reaches VergeOS.
//
// The check does not parse VergeOS's query language (a real VergeOS may tokenise differently from the simulator):
// every run of text that carries a join marker (`#`, or `%23`/`%25` that a second decoding would turn into one) is
// taken whole, up to whitespace, parentheses, quotes and commas, and must be exactly an allowed path. So a `#` inside a
// quoted filter value is refused too (`name eq 'web#1'`), and so are spaces around `#`, other letter cases and
// encodings: what passes is only ever one of the paths below, spelled as they are.

/** The tables whose routes take `fields` (and on their lists `filter` and `sort`). */
export type JoinTable = 'vms' | 'machine_status' | 'nodes' | 'system';

/** `machine#status#<column>`: the VM's own machine status (the same row GET /api/v4/machine_status/:key reads). */
const VM_STATUS_COLUMNS = [
  'status',
  'running',
  'powerstate',
  'state',
  'status_info',
  'node',
  'started',
  'last_update',
  'running_cores',
  'running_ram',
  'agent_version',
] as const;

export const ALLOWED_JOINS: Readonly<Record<JoinTable, readonly string[]>> = {
  vms: [
    ...VM_STATUS_COLUMNS.map((c) => `machine#status#${c}`),
    // The name of the node the VM runs on (the dashboard's and the guide's `node_name`).
    'machine#status#node#name',
  ],
  // The name of the node a machine runs on: the SDKs' default status fields (`node#name as node_name`). The node's
  // other columns (its IPMI address, asset tag) and the other node references (migrated_node, ...) stay refused.
  machine_status: ['node#name'],
  // Nodes and the system row are read to connect (versions, names, capacity), from their own columns (see
  // proxy/columns.ts) and, for a node, the name of its cluster: the SDKs' default node fields
  // (`cluster#name as cluster_name`). A join from a node to its machine, its stats or the cluster's other columns
  // stays refused.
  nodes: ['cluster#name'],
  system: [],
};

const ALLOWED: Readonly<Record<JoinTable, ReadonlySet<string>>> = {
  vms: new Set(ALLOWED_JOINS.vms),
  machine_status: new Set(ALLOWED_JOINS.machine_status),
  nodes: new Set(ALLOWED_JOINS.nodes),
  system: new Set(ALLOWED_JOINS.system),
};

const MARKER = /#|%2[35]/i;
/** A run of text around one or more join markers (spaces next to a marker are part of the run). */
const JOIN_RUN = /[^\s()'",]*(?:\s*(?:#|%2[35])\s*[^\s()'",]*)+/gi;

/** The first join in `text` (a `fields`, `filter` or `sort` value) that is not allowed on `table`, or null. */
export function refusedJoin(table: JoinTable, text: string): string | null {
  if (!MARKER.test(text)) return null;
  const allowed = ALLOWED[table];
  for (const match of text.matchAll(JOIN_RUN)) {
    const run = match[0].trim();
    // `sort=-machine#status#status`: the direction is not part of the path.
    const path = run.replace(/^[+-]/, '');
    if (!allowed.has(path)) return run;
  }
  return null;
}

/** The message of a refused join: VergeOS's "Invalid argument", the path, and what is allowed instead. */
export function joinRefusal(table: JoinTable, parameter: string, run: string): string {
  const allowed = ALLOWED_JOINS[table];
  const instead =
    allowed.length === 0
      ? `no join is allowed on /api/v4/${table}`
      : `the joins allowed on /api/v4/${table} are ${allowed.join(', ')}`;
  return `Invalid argument: the join '${run}' in ${parameter} is not allowed (${instead})`;
}
