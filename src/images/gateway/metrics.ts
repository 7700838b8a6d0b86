// The gateway's Prometheus metrics, in a registry of its own (one per gateway, so tests and
// several apps in one process never share counters).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type GatewayMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered, by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time to answer a request, by route and method',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    upstreamErrors: new Counter({
      name: 'gateway_upstream_errors_total',
      help: 'Requests an upstream API failed to answer',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    keyLookups: new Counter({
      name: 'gateway_key_lookups_total',
      help: 'API keys verified: hit (from the key cache), miss (from the database, then cached), bypass (from the database, the cache off or not listening for revocations)',
      labelNames: ['result'],
      registers: [registry],
    }),
    instancesUp: new Gauge({
      name: 'gateway_upstream_instances_up',
      help: 'Instances of each upstream in the rotation (answering their health check)',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused by the rate limit',
      registers: [registry],
    }),
  };
}
