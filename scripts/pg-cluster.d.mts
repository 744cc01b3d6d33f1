// Types of pg-cluster.mjs (a plain ES module so that scripts/pd.mjs can run it without a build).
export declare const PG_USER: string;
export declare function pgBinDir(): string | null;
export declare function freePort(): Promise<number>;
export interface PgCluster {
  url: string;
  port: number;
  dir: string;
  stop(): void;
}
export declare function startPgCluster(options?: {
  port?: number;
  maxConnections?: number;
}): Promise<PgCluster>;
