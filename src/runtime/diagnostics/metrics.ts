import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/**
 * The control plane's Prometheus registry. One per process: components register their own
 * collectors on it and the diagnostics server exposes it on /metrics.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly componentUp: Gauge<'component'>;
  /** 1 while this instance leads (runs the leader-only components), as Kuma's `leader` gauge. */
  readonly leader: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kuma_cp_' });
  const componentUp = new Gauge({
    name: 'kuma_cp_component_up',
    help: '1 when the component is running, 0 otherwise',
    labelNames: ['component'],
    registers: [registry],
  });
  const leader = new Gauge({ name: 'leader', help: '1 when this control-plane instance is the leader, 0 otherwise', registers: [registry] });
  return { registry, componentUp, leader };
}
