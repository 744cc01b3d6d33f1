// Vitest global setup: a real PostgreSQL server for the PostgreSQL stores' tests, started once for the run (a
// throwaway cluster: scripts/pg-cluster.mjs) unless POWERDECK_TEST_DATABASE_URL names one already (npm test starts
// one for the whole run). Tests get its URL with inject('pgUrl') and make a database of their own
// (test/pg-support.ts).
import type { TestProject } from 'vitest/node';
import { startPgCluster } from '../../../scripts/pg-cluster.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server (its `postgres` database). */
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env.POWERDECK_TEST_DATABASE_URL;
  if (given) {
    project.provide('pgUrl', given);
    return () => undefined;
  }
  const cluster = await startPgCluster();
  project.provide('pgUrl', cluster.url);
  return () => cluster.stop();
}
