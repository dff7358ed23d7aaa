/**
 * An open-loop load at a fixed rate: requests leave on a fixed schedule,
 * whatever the answers, and latency is measured from the scheduled time,
 * so a stall shows in the tail instead of hiding behind fewer requests
 * (autocannon's overallRate sends each second's quota in a burst).
 */
import http from 'node:http';
import type { LoadResult } from './load';

export interface ScheduledRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

export async function fixedRateLoad(options: {
  url: string;
  rate: number;
  durationSeconds: number;
  next: () => ScheduledRequest;
  /** A new connection for every request, as short-lived clients (curl in a CI step) make; else connections are reused. */
  newConnections?: boolean;
}): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: options.newConnections !== true, maxSockets: 256 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const total = Math.round(options.rate * options.durationSeconds);
  const interval = 1000 / options.rate;
  const inFlight: Array<Promise<void>> = [];

  const send = (scheduled: number) =>
    new Promise<void>((resolve) => {
      const request = options.next();
      const req = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.path, headers: request.headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - scheduled);
            if (res.statusCode === undefined || res.statusCode >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(request.body);
    });

  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        inFlight.push(send(start + sent * interval));
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  const wallMs = performance.now() - start;
  agent.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    rps: (latencies.length / wallMs) * 1000,
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    p999: round(percentile(latencies, 0.999)),
    errors,
    non2xx,
    loadGeneratorCpu: (cpu.user + cpu.system) / (wallMs * 1000),
  };
}
