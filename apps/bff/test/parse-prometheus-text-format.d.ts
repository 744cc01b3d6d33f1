// Types of parse-prometheus-text-format (it ships none): the parsed families of a Prometheus text exposition, every
// number as the text it was written as (prom2json's shape).
declare module 'parse-prometheus-text-format' {
  /** One sample of a family: `value` (counter, gauge, untyped), or `buckets`/`count`/`sum` (histogram). */
  export interface PrometheusSample {
    value?: string;
    labels?: Record<string, string>;
    /** Histogram: cumulative count per upper bound (`le`), `+Inf` included. */
    buckets?: Record<string, string>;
    /** Summary: value per quantile. */
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }

  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PrometheusSample[];
  }

  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
