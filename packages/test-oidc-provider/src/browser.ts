// A very small browser for protocol tests: it carries cookies per origin and follows redirects by hand, so a test
// can stop at any hop (keep the callback URL, replay it, send it to another server). Not a real browser (that is
// Playwright's job in e2e): it speaks HTTP as one does, nothing more.

export interface Hop {
  url: string;
  status: number;
  location: string | null;
  /** The response's headers, names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export class TestBrowser {
  /** origin -> cookie name -> value */
  private readonly jar = new Map<string, Map<string, string>>();

  cookieHeader(url: string): string {
    const cookies = this.jar.get(new URL(url).origin);
    return cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  /** Keeps the cookies a response set for its origin (expired or empty ones are removed). */
  keep(url: string, setCookies: readonly string[]): void {
    const origin = new URL(url).origin;
    let cookies = this.jar.get(origin);
    if (!cookies) {
      cookies = new Map();
      this.jar.set(origin, cookies);
    }
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k = '', v = ''] = a.trim().split('=');
        return (
          (k.toLowerCase() === 'max-age' && Number(v) <= 0) ||
          (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now())
        );
      });
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  /** Cookies of an origin (for a test to copy or inspect). */
  cookies(origin: string): Map<string, string> {
    return new Map(this.jar.get(origin) ?? []);
  }

  /** One request, no redirect followed. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Hop> {
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.keep(url, res.headers.getSetCookie());
    const location = res.headers.get('location');
    return {
      url,
      status: res.status,
      location: location ? new URL(location, url).href : null,
      headers: Object.fromEntries(res.headers),
      body: await res.text(),
    };
  }

  /**
   * Follows redirects from `url` until `stop(url)` says so (the URL is then answered without being requested) or a
   * page that is not a redirect; answers the last hop (or the URL it stopped at, as a hop with status 0).
   */
  async follow(url: string, stop: (url: string) => boolean = () => false, max = 20): Promise<Hop> {
    let next = url;
    for (let i = 0; i < max; i += 1) {
      if (stop(next)) return { url: next, status: 0, location: null, headers: {}, body: '' };
      const hop = await this.request(next);
      if (hop.status < 300 || hop.status >= 400 || !hop.location) return hop;
      next = hop.location;
    }
    throw new Error(`more than ${max} redirects from ${url}`);
  }

  /**
   * On the test provider's login page (a hop whose body holds its form): submits the user's name and password and
   * follows the redirects until `stop`.
   */
  async submitLogin(
    page: Hop,
    login: string,
    password: string,
    stop: (url: string) => boolean = () => false,
  ): Promise<Hop> {
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    if (!action)
      throw new Error(`no login form at ${page.url} (status ${page.status}): ${page.body.slice(0, 300)}`);
    const hop = await this.request(
      new URL(
        action.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))),
        page.url,
      ).href,
      {
        form: { login, password },
      },
    );
    if (hop.status >= 300 && hop.status < 400 && hop.location) return this.follow(hop.location, stop);
    return hop;
  }
}
