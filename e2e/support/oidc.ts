// The suite's identity provider (issue 18): packages/test-oidc-provider (panva's oidc-provider, its own login
// page) as its own process, started by playwright.config.ts before the BFF, and the BFF's single sign-on settings
// that point at it. Its people sign in at the provider with their own passwords; their Powerdeck role comes from
// their groups through ROLE_RULES. None of them shares a name with the suite's local users (admin, helpdesk,
// viewer): a local account of the same name would refuse them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BFF_URL, ROOT, port } from './servers';

export const OIDC_PORT = port('PD_E2E_OIDC_PORT', 19400);
export const OIDC_URL = `http://127.0.0.1:${OIDC_PORT}`;
/** How the sign-in page names the provider: `Sign in with Test IdP`. */
export const OIDC_PROVIDER_NAME = 'Test IdP';
export const OIDC_CLIENT = {
  clientId: 'powerdeck-e2e',
  clientSecret: 'powerdeck-e2e-client-secret',
} as const;
export const OIDC_GROUPS_CLAIM = 'groups';
export const ROLE_RULES = 'admin=pd-admins;helpdesk=pd-helpdesk;viewer=pd-viewers';

/** The provider's people: one per role, and one whose groups map to no role. */
export const OIDC_USERS = {
  viewer: { login: 'vera', password: 'vera-at-the-idp', groups: ['pd-viewers', 'staff'] },
  helpdesk: { login: 'hank', password: 'hank-at-the-idp', groups: ['staff', 'pd-helpdesk'] },
  admin: { login: 'ada', password: 'ada-at-the-idp', groups: ['pd-admins'] },
  nobody: { login: 'nora', password: 'nora-at-the-idp', groups: ['staff', 'vpn-users'] },
} as const;
export type OidcPersona = keyof typeof OIDC_USERS;

/** Writes the provider's configuration (the CLI's `--config`) and answers its path. */
export function writeOidcConfig(): string {
  const file = join(ROOT, '.tmp', `e2e-oidc-${OIDC_PORT}.json`);
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const config = {
    clients: [
      {
        ...OIDC_CLIENT,
        redirectUris: [`${BFF_URL}/api/sso/callback`],
        postLogoutRedirectUris: [`${BFF_URL}/`],
      },
    ],
    users: Object.values(OIDC_USERS).map((u) => ({
      login: u.login,
      password: u.password,
      email: `${u.login}@example.test`,
      name: u.login,
      groups: [...u.groups],
    })),
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

export function oidcArgs(configFile: string): string[] {
  return ['--port', String(OIDC_PORT), '--config', configFile];
}

/** The BFF's single sign-on environment (the BFF's README, "Single sign-on"). */
export function oidcBffEnv(): Record<string, string> {
  return {
    POWERDECK_PUBLIC_URL: BFF_URL,
    POWERDECK_OIDC_ISSUER: OIDC_URL,
    POWERDECK_OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    POWERDECK_OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
    POWERDECK_OIDC_GROUPS_CLAIM: OIDC_GROUPS_CLAIM,
    POWERDECK_OIDC_ROLE_RULES: ROLE_RULES,
    POWERDECK_OIDC_PROVIDER_NAME: OIDC_PROVIDER_NAME,
  };
}
