// Display links in words: whether one still works, and the address a screen opens. Pure, tested in
// test/admin-display-links.test.ts.

type LinkStatus = 'active' | 'revoked';

export function linkStatus(link: { revokedAt: string | null }): LinkStatus {
  return link.revokedAt === null ? 'active' : 'revoked';
}

export const LINK_STATUS_LABELS: Readonly<Record<LinkStatus, string>> = {
  active: 'Active',
  revoked: 'Revoked',
};

/** The full address to open on the screen: this server's origin and the BFF's path (`/display#<secret>`). */
export function displayUrl(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}
