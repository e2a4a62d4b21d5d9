/**
 * Kuma's HTTP metrics of the DP server (go-http-metrics with prefix `dp_server`, checked by Kuma's
 * bootstrap server_test): request duration and response size by handler, method and status code,
 * and requests in flight by handler. Only `/bootstrap` is a handler here: other paths are counted as
 * `other`, so a scanner cannot grow the label set (Kuma labels by the raw URL path). The config
 * stream is gRPC and not an HTTP handler, as in Kuma.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface DpHttpMetrics {
  /** Call when a request starts; the returned function when its response is over. */
  begin(path: string, method: string): (status: number, bytes: number) => void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = Array.from({ length: 8 }, (_, i) => 100 * 10 ** i);

export const noHttpMetrics: DpHttpMetrics = { begin: () => () => {} };

/** The registered collector of that name (a second DP server on the same registry shares it), or a new one. */
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createDpHttpMetrics(registry: Registry): DpHttpMetrics {
  const duration = reuse(registry, 'dp_server_http_request_duration_seconds', () => new Histogram({
    name: 'dp_server_http_request_duration_seconds',
    help: 'The latency of the HTTP requests.',
    labelNames: ['handler', 'method', 'code'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  }));
  const size = reuse(registry, 'dp_server_http_response_size_bytes', () => new Histogram({
    name: 'dp_server_http_response_size_bytes',
    help: 'The size of the HTTP responses.',
    labelNames: ['handler', 'method', 'code'],
    buckets: SIZE_BUCKETS,
    registers: [registry],
  }));
  const inflight = reuse(registry, 'dp_server_http_requests_inflight', () => new Gauge({
    name: 'dp_server_http_requests_inflight',
    help: 'The number of inflight requests being handled at the same time.',
    labelNames: ['handler'],
    registers: [registry],
  }));
  return {
    begin(path, method) {
      const handler = path === '/bootstrap' ? '/bootstrap' : 'other';
      // Only methods a client can legitimately use; anything else is one bucket too.
      const m = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].includes(method) ? method : 'OTHER';
      const started = process.hrtime.bigint();
      inflight.inc({ handler });
      let ended = false;
      return (status, bytes) => {
        if (ended) return;
        ended = true;
        inflight.dec({ handler });
        const labels = { handler, method: m, code: String(status) };
        duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        size.observe(labels, bytes);
      };
    },
  };
}
