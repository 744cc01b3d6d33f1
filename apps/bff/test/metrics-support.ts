// Test support for the metrics: GET /metrics scraped with the token and parsed by a Prometheus text-format parser
// (parse-prometheus-text-format; never regular expressions over the text), and readers for one series.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

export const METRICS_TOKEN = 'scrape-token-for-tests-0123456789';

/** GET /metrics with `Authorization: Bearer <token>` (none: no header). */
export function getMetrics(
  app: FastifyInstance,
  token: string | null = METRICS_TOKEN,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: '/metrics',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

/** What a scrape answered, parsed; throws unless it answered 200. */
export async function scrape(app: FastifyInstance): Promise<Scrape> {
  const res = await getMetrics(app);
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}: ${res.body}`);
  return new Scrape(res.body);
}

/**
 * The text with each histogram declared untyped. The parser keeps a histogram whole only when it has no labels (its
 * prom2json shape folds every series into one `buckets` object and drops labelled `_count` and `_sum` lines), so a
 * histogram's series are read as Prometheus stores them: `<name>_bucket`, `<name>_sum` and `<name>_count`, each
 * with its labels, as families of their own.
 */
function histogramsAsSeries(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.startsWith('# TYPE ') || !line.endsWith(' histogram')) return line;
      return `${line.slice(0, -' histogram'.length)} untyped`;
    })
    .join('\n');
}

/** The parsed families of one scrape, and readers for a series of them. */
export class Scrape {
  /** Every family as declared (name, type, help). */
  readonly families: PrometheusFamily[];
  /** The same text with histograms read as their series (see histogramsAsSeries): every series with its labels. */
  readonly series: PrometheusFamily[];

  constructor(text: string) {
    this.families = parsePrometheusTextFormat(text);
    this.series = parsePrometheusTextFormat(histogramsAsSeries(text));
  }

  family(name: string): PrometheusFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** The samples of a family (or of a histogram's `_count`, `_sum`, `_bucket`) whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}) {
    // A histogram's series come as families of one name after another (bucket, sum, count for each label set).
    const all = this.series.filter((f) => f.name === name).flatMap((f) => f.metrics);
    return all.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels ?? {})[k] === v));
  }

  /**
   * A counter's or gauge's value for exactly one series (labels given must pick one), 0 when the family has no such
   * series yet; undefined when the family is not exported at all.
   */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    if (!this.series.some((f) => f.name === name)) return undefined;
    const found = this.samples(name, labels);
    if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} picks ${found.length} series`);
    return found.length === 0 ? 0 : Number(found[0]!.value);
  }

  /** The sum of a counter over every series whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((n, m) => n + Number(m.value), 0);
  }

  /** A histogram's observation count (its `_count`) over every series whose labels include `labels`. */
  count(name: string, labels: Record<string, string> = {}): number {
    if (this.family(name)?.type !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
    return this.sum(`${name}_count`, labels);
  }
}
