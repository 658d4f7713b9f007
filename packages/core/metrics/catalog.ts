/**
 * Every metric dmp-edge exports: name, type, help and labels, in one table.
 * Names follow the reference node where it has them (brief §1.9); code
 * increments handles from {@linkcode MetricsRegistry}, never spelled names.
 *
 * This module is browser compatible.
 * @module
 */

/** The catalog; the README's Metrics section is checked against it. */
export const METRICS = {
  dmp_dns_queries_total: {
    type: "counter",
    help: "DMP DNS queries by outcome",
    labels: ["outcome"],
  },
  dmp_dns_nodata_total: {
    type: "counter",
    help:
      "NOERROR answers with no data (NODATA, RFC 2308 §2.2); also counted as noerror in dmp_dns_queries_total",
    labels: [],
  },
  dmp_dns_rrl_responses_total: {
    type: "counter",
    help: "UDP responses held back by response rate limiting, by action (drop, slip) and class",
    labels: ["action", "class"],
  },
  dmp_records: { type: "gauge", help: "Live records in the DMP mailbox store", labels: [] },
  dmp_http_requests_total: {
    type: "counter",
    help: "Total DMP HTTP API requests, by method and status",
    labels: ["method", "status"],
  },
  dmp_dns_updates_total: {
    type: "counter",
    help: "DNS UPDATE messages by result",
    labels: ["result"],
  },
  dmp_zone_index_names: {
    type: "gauge",
    help: "Owner names held in the in-memory zone index",
    labels: [],
  },
  dmp_replica_syncs_total: {
    type: "counter",
    help: "Embedded replica syncs by result",
    labels: ["result"],
  },
  dmp_sync_signals_total: {
    type: "counter",
    help:
      "Answers of the edge's journal-head long-poll seen by the node, by result (changed, unchanged, error)",
    labels: ["result"],
  },
  dmp_storage_worker_restarts_total: {
    type: "counter",
    help:
      "Storage worker restarts after it died (an uncaught error, out of memory); answers went on from memory",
    labels: [],
  },
  dmp_zone_transfers_total: {
    type: "counter",
    help:
      "Zone transfers sent, by kind (axfr, ixfr, ixfr_full: whole zone for an IXFR, soa: SOA alone)",
    labels: ["kind"],
  },
  dmp_notify_sent_total: {
    type: "counter",
    help: "NOTIFY messages sent to secondaries, by the answer (rcode name, timeout, tsig_failed)",
    labels: ["result"],
  },
  dmp_dot_certificate_expiry_timestamp_seconds: {
    type: "gauge",
    help: "Unix time at which the DoT certificate in use expires (notAfter)",
    labels: [],
  },
  dmp_dot_certificate_reloads_total: {
    type: "counter",
    help: "Changes of the DoT certificate files, by result (loaded, rejected)",
    labels: ["result"],
  },
  dmp_journal_seq: {
    type: "gauge",
    help: "Last change-journal sequence applied to the zone index",
    labels: [],
  },
} as const;

/** A metric name from the catalog. */
export type MetricName = keyof typeof METRICS;

function formatNumber(v: number): string {
  // Reference renders Python floats (e.g. 3.0); Prometheus accepts either.
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** Counters and gauges keyed by metric and label values; renders Prometheus text 0.0.4. */
export class MetricsRegistry {
  #values = new Map<MetricName, Map<string, number>>();
  #gauges = new Map<MetricName, () => number>();

  /** Adds `by` to a counter (or sets nothing for unknown label shapes). */
  inc(name: MetricName, labels: Record<string, string> = {}, by = 1): void {
    let series = this.#values.get(name);
    if (!series) {
      series = new Map();
      this.#values.set(name, series);
    }
    const key = labelKey(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  /**
   * A counter bound to fixed labels, for hot paths: the label key is built
   * once here instead of on every increment.
   */
  counter(name: MetricName, labels: Record<string, string> = {}): (by?: number) => void {
    let series = this.#values.get(name);
    if (!series) {
      series = new Map();
      this.#values.set(name, series);
    }
    const key = labelKey(labels);
    const s = series;
    if (!s.has(key)) s.set(key, 0);
    return (by = 1) => {
      s.set(key, s.get(key)! + by);
    };
  }

  /**
   * Counters of one metric told apart by one label whose value is known only
   * at the increment (an outcome, an rcode name), for hot paths: each value's
   * label key is built the first time it is seen, then its counter is reused.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "./catalog.ts";
   * const m = new MetricsRegistry();
   * const count = m.counterByLabel("dmp_dns_updates_total", "result");
   * count("NOERROR");
   * count("NOERROR");
   * if (!m.render().includes('dmp_dns_updates_total{result="NOERROR"} 2')) throw new Error();
   * ```
   */
  counterByLabel(name: MetricName, label: string): (value: string, by?: number) => void {
    const counters = new Map<string, (by?: number) => void>();
    return (value, by = 1) => {
      let c = counters.get(value);
      if (!c) {
        c = this.counter(name, { [label]: value });
        counters.set(value, c);
      }
      c(by);
    };
  }

  /** Sets a gauge value. */
  set(name: MetricName, value: number, labels: Record<string, string> = {}): void {
    let series = this.#values.get(name);
    if (!series) {
      series = new Map();
      this.#values.set(name, series);
    }
    series.set(labelKey(labels), value);
  }

  /** Registers a gauge computed at scrape time. */
  gauge(name: MetricName, read: () => number): void {
    this.#gauges.set(name, read);
  }

  /** Current value of a series (tests, /stats). */
  value(name: MetricName, labels: Record<string, string> = {}): number {
    return this.#values.get(name)?.get(labelKey(labels)) ?? 0;
  }

  /** The sum of every series of a counter (all label values), e.g. transfers of every kind. */
  sum(name: MetricName): number {
    let total = 0;
    for (const v of this.#values.get(name)?.values() ?? []) total += v;
    return total;
  }

  /** Prometheus text exposition, metrics sorted by name. */
  render(): string {
    for (const [name, read] of this.#gauges) this.set(name, read());
    const lines: string[] = [];
    for (const name of [...this.#values.keys()].sort()) {
      const def = METRICS[name];
      lines.push(`# HELP ${name} ${def.help}`, `# TYPE ${name} ${def.type}`);
      const series = this.#values.get(name)!;
      for (const key of [...series.keys()].sort()) {
        lines.push(`${name}${key} ${formatNumber(series.get(key)!)}`);
      }
    }
    return lines.join("\n") + "\n";
  }
}

function labelKey(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return "{" + keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",") + "}";
}
