// The import boundaries in eslint.config.js, each proved by a small file that breaks it (and one that does not).
// The real config is loaded; only the boundary rules run, without type information, so this stays fast.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const boundaryRules = new Set(['import-x/no-restricted-paths', '@typescript-eslint/no-restricted-imports']);
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => boundaryRules.has(ruleId),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

/** The boundary messages ESLint gives `code` as if it were the file at `path` (relative to the root). */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

// The first lint loads the config and the parser: seconds on a busy machine.
describe('import boundaries', { timeout: 30_000 }, () => {
  it('a feature does not import another feature, but may import itself', async () => {
    const file = 'apps/web/src/features/power/components/probe.tsx';
    expect(await boundaryErrors(file, "import { bulkWords } from '../../operations/lib/words';\n")).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*Features do not import each other/),
    ]);
    expect(await boundaryErrors(file, "import { x } from '../lib/predicates';\n")).toEqual([]);
    expect(await boundaryErrors(file, "import { x } from '../../../lib/format';\n")).toEqual([]);
  });

  it('components and lib import neither features nor the app layer', async () => {
    expect(
      await boundaryErrors(
        'apps/web/src/components/ui/probe.tsx',
        "import { x } from '../../features/fleet/components/vm-card';\n",
      ),
    ).toEqual([expect.stringMatching(/Shared components and lib sit below/)]);
    expect(
      await boundaryErrors('apps/web/src/lib/probe.ts', "import { x } from '../app/nav-items';\n"),
    ).toEqual([expect.stringMatching(/Shared components and lib sit below/)]);
  });

  it('the web imports the schema modules of contracts as types only, and nothing from the server side', async () => {
    const file = 'apps/web/src/lib/probe.ts';
    expect(
      await boundaryErrors(file, "import { FleetSnapshot } from '@powerdeck/contracts/fleet';\n"),
    ).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*loads TypeBox/)]);
    expect(
      await boundaryErrors(file, "import type { FleetSnapshot } from '@powerdeck/contracts/fleet';\n"),
    ).toEqual([]);
    expect(
      await boundaryErrors(file, "import { ROLE_PERMISSIONS } from '@powerdeck/contracts/roles';\n"),
    ).toEqual([]);
    expect(await boundaryErrors(file, "import { loadConfig } from '../../../bff/src/config';\n")).toEqual([
      expect.stringMatching(/The web app imports only @powerdeck\/contracts/),
    ]);
  });

  it('packages never import apps', async () => {
    expect(
      await boundaryErrors(
        'packages/contracts/src/probe.ts',
        "import { loadConfig } from '../../../apps/bff/src/config';\n",
      ),
    ).toEqual([expect.stringMatching(/Packages never import apps/)]);
  });

  it('the client and the simulator import nothing of ours', async () => {
    expect(
      await boundaryErrors(
        'packages/vergeos-client/src/probe.ts',
        "import { createSimulator } from '@powerdeck/vergeos-sim';\n",
      ),
    ).toEqual([expect.stringMatching(/This package imports nothing of ours/)]);
    expect(
      await boundaryErrors(
        'packages/vergeos-sim/src/probe.ts',
        "import { FleetVm } from '../../contracts/src/fleet';\n",
      ),
    ).toEqual([expect.stringMatching(/This package imports nothing of ours/)]);
    expect(
      await boundaryErrors('packages/vergeos-sim/src/probe.ts', "import { x } from './machine';\n"),
    ).toEqual([]);
  });

  it('in the BFF, plugins (and what they build on) never import routes', async () => {
    expect(
      await boundaryErrors('apps/bff/src/plugins/probe.ts', "import health from '../routes/health';\n"),
    ).toEqual([expect.stringMatching(/Routes use plugins; only app.ts registers routes/)]);
    expect(
      await boundaryErrors('apps/bff/src/routes/probe.ts', "import x from '../plugins/auth';\n"),
    ).toEqual([]);
  });

  it('the BFF loads the simulator only with import(), for the embedded demo', async () => {
    const file = 'apps/bff/src/probe.ts';
    expect(await boundaryErrors(file, "import { createSimulator } from '@powerdeck/vergeos-sim';\n")).toEqual(
      [
        expect.stringMatching(
          /^@typescript-eslint\/no-restricted-imports: .*Only the embedded demo loads the simulator/,
        ),
      ],
    );
    expect(await boundaryErrors(file, "import type { Simulator } from '@powerdeck/vergeos-sim';\n")).toEqual(
      [],
    );
    expect(
      await boundaryErrors(file, "export const load = () => import('@powerdeck/vergeos-sim');\n"),
    ).toEqual([]);
  });
});
