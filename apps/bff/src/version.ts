import pkg from '../package.json' with { type: 'json' };

/** Powerdeck's version, from apps/bff/package.json. */
export const VERSION: string = pkg.version;
