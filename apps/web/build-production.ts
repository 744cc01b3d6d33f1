// A production build of the web app through Vite's JS API, into a directory of the caller's (the bundle budget
// test, the wall benchmark). Vitest sets NODE_ENV=test, which would build React's development bundle: this builds
// as `vite build` does.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const appDir = fileURLToPath(new URL('.', import.meta.url));

export async function buildProduction(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: appDir,
      configFile: join(appDir, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
