/** Reads, writes and denials over time, as stacked bars in SVG: no charting library for three series. */
import type { AuditEvent } from '../api';
import { h, svg } from '../dom';

const SERIES = [
  { name: 'reads', colour: '#2f6fb3' },
  { name: 'writes', colour: '#2e8b57' },
  { name: 'denials', colour: '#c0392b' },
] as const;

type Series = (typeof SERIES)[number]['name'];

export function seriesOf(event: AuditEvent): Series | undefined {
  if (event.action === 'auth.denied' || event.outcome === 401 || event.outcome === 403 || event.outcome === 429) return 'denials';
  if (event.outcome >= 400) return undefined;
  if (event.action === 'secret.read' || event.action === 'secret.list' || event.action === 'wrap.unwrap') return 'reads';
  if (event.action === 'secret.write' || event.action === 'secret.delete' || event.action === 'wrap.create') return 'writes';
  return undefined;
}

export function auditChart(events: AuditEvent[], from: number, to: number, buckets = 24): HTMLElement {
  const width = 720;
  const height = 180;
  const span = Math.max(to - from, 1);
  const counts = Array.from({ length: buckets }, () => ({ reads: 0, writes: 0, denials: 0 }));
  for (const event of events) {
    const series = seriesOf(event);
    const at = Date.parse(event.time);
    if (!series || at < from || at > to) continue;
    const bucket = counts[Math.min(buckets - 1, Math.floor(((at - from) / span) * buckets))];
    if (bucket) bucket[series] += 1;
  }
  const max = Math.max(1, ...counts.map((c) => c.reads + c.writes + c.denials));
  const barWidth = width / buckets;
  const bars: SVGElement[] = [];
  counts.forEach((count, index) => {
    let y = height;
    for (const { name, colour } of SERIES) {
      const barHeight = (count[name] / max) * (height - 10);
      if (barHeight <= 0) continue;
      y -= barHeight;
      bars.push(
        svg('rect', {
          x: (index * barWidth + 1).toFixed(1),
          y: y.toFixed(1),
          width: (barWidth - 2).toFixed(1),
          height: barHeight.toFixed(1),
          fill: colour,
          class: `bar ${name}`,
        }),
      );
    }
  });
  const totals = SERIES.map(({ name }) => `${counts.reduce((sum, c) => sum + c[name], 0)} ${name}`).join(', ');
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `audit events over time: ${totals}`, class: 'chart' },
    ...bars,
  );
  const legend = h('ul', { class: 'legend' }, ...SERIES.map(({ name }) => h('li', { class: `legend-${name}` }, name)));
  const minutes = Math.round(span / buckets / 60_000);
  const bar = minutes >= 60 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
  return h(
    'figure',
    { class: 'audit-chart' },
    chart,
    legend,
    h(
      'figcaption',
      {},
      `${new Date(from).toLocaleString()} – ${new Date(to).toLocaleString()}, one bar per ${bar}, the tallest ${max} events: ${totals}`,
    ),
  );
}
