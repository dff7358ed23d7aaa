/** The benchmark's outputs: a markdown table with ratios and targets, JSON, and an SVG chart. */
import type { LoadResult } from './load';
import type { ScenarioResult } from './scenarios';

export interface Summary {
  readonly name: string;
  readonly rps: { median: number; min: number; max: number };
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly loadGeneratorCpu: number;
  readonly runs: number;
  readonly note?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (index: number) => sorted[index] ?? 0;
  return sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
}

export function summarize(result: ScenarioResult): Summary {
  const pick = (field: keyof LoadResult) => result.runs.map((run) => run[field]);
  return {
    name: result.name,
    rps: { median: median(pick('rps')), min: Math.min(...pick('rps')), max: Math.max(...pick('rps')) },
    p50: median(pick('p50')),
    p99: median(pick('p99')),
    p999: median(pick('p999')),
    errors: pick('errors').reduce((a, b) => a + b, 0),
    non2xx: pick('non2xx').reduce((a, b) => a + b, 0),
    loadGeneratorCpu: median(pick('loadGeneratorCpu')),
    runs: result.runs.length,
    note: result.note,
  };
}

export interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const find = (summaries: Summary[], prefix: string) => summaries.find((s) => s.name.startsWith(prefix));

export function ratios(summaries: Summary[]): Record<string, number | undefined> {
  const get = find(summaries, 'GET (SQLite)')?.rps.median;
  const ratio = (base: string) => {
    const baseline = find(summaries, base)?.rps.median;
    return get && baseline ? get / baseline : undefined;
  };
  const workers = find(summaries, 'GET, --workers 2')?.rps.median;
  return {
    'GET ÷ baseline 3 (express + validator)': ratio('baseline 3:'),
    'GET ÷ baseline 2 (express)': ratio('baseline 2:'),
    'GET ÷ baseline 1 (node:http)': ratio('baseline 1:'),
    'GET --workers 2 ÷ GET': get && workers ? workers / get : undefined,
  };
}

export function targets(summaries: Summary[], fixedRate: number): Target[] {
  const r = ratios(summaries);
  const fixedSqlite = find(summaries, `GET at ${fixedRate}/s (SQLite)`);
  // The SQLite tail counts where it is worst: settled, after the write scenarios, and on the grown database.
  const sqliteTails = [
    { when: 'settled', summary: fixedSqlite },
    { when: 'after the writes', summary: find(summaries, `GET at ${fixedRate}/s (SQLite, after the writes)`) },
    { when: 'grown', summary: find(summaries, `GET at ${fixedRate}/s (SQLite, grown)`) },
  ].filter((tail): tail is { when: string; summary: Summary } => tail.summary !== undefined);
  const worstSqliteTail = sqliteTails.length > 0 ? Math.max(...sqliteTails.map((tail) => tail.summary.p99)) : undefined;
  const fixedPg = find(summaries, `GET at ${fixedRate}/s (PostgreSQL)`);
  const sweep = summaries.find((s) => s.name.startsWith(`GET at ${fixedRate}/s during a`));
  // The same server and database just before the purge: what the purge adds, apart from the database's size.
  const beforeSweep = summaries.find((s) => s.name.startsWith(`GET at ${fixedRate}/s (SQLite, before a`));
  const put = find(summaries, 'PUT (new versions, durable)');
  const get = find(summaries, 'GET (SQLite)');
  const grownGet = summaries.find((s) => s.name.startsWith('GET (SQLite, grown'));
  const grownPut = summaries.find((s) => s.name.startsWith('PUT (SQLite, grown'));
  const pgGet = find(summaries, 'GET (PostgreSQL)');
  const pgPut = find(summaries, 'PUT (PostgreSQL)');
  const ratio = (a: Summary | undefined, b: Summary | undefined) => (a && b ? a.rps.median / b.rps.median : undefined);
  const check = (value: number | undefined, ok: (v: number) => boolean, text: (v: number) => string): Pick<Target, 'measured' | 'met'> =>
    value === undefined ? { measured: 'not measured', met: undefined } : { measured: text(value), met: ok(value) };
  return [
    {
      target: 'GET throughput ≥ 70% of baseline 3',
      ...check(
        r['GET ÷ baseline 3 (express + validator)'],
        (v) => v >= 0.7,
        (v) => `${(v * 100).toFixed(0)}%`,
      ),
    },
    {
      target: 'GET with --workers 2 ≥ 1.4× single worker',
      ...check(
        r['GET --workers 2 ÷ GET'],
        (v) => v >= 1.4,
        (v) => `${v.toFixed(2)}×`,
      ),
    },
    {
      target: `p99 at ${fixedRate} GET/s < 5 ms on SQLite`,
      ...check(
        worstSqliteTail,
        (v) => v < 5,
        () => sqliteTails.map((tail) => `${tail.summary.p99} ms ${tail.when}`).join(', '),
      ),
    },
    {
      target: `p99 at ${fixedRate} GET/s < 10 ms on PostgreSQL`,
      ...check(
        fixedPg?.p99,
        (v) => v < 10,
        (v) => `${v} ms`,
      ),
    },
    {
      target: 'GET p99 during the purge ≤ 2× without',
      ...check(
        sweep && beforeSweep ? sweep.p99 / Math.max(beforeSweep.p99, 1) : undefined,
        (v) => v <= 2,
        (v) =>
          `${v.toFixed(2)}× (${sweep?.p99} ms vs ${beforeSweep?.p99} ms on the same database before it` +
          (sweep && fixedSqlite ? `; ${(sweep.p99 / Math.max(fixedSqlite.p99, 1)).toFixed(2)}× the settled smaller one)` : ')'),
      ),
    },
    {
      target: 'PUT ≥ 1,500/s on SQLite, durable',
      ...check(
        put?.rps.median,
        (v) => v >= 1500,
        (v) => `${Math.round(v)}/s`,
      ),
    },
    {
      target: 'GET throughput ≥ 50% of baseline 2',
      ...check(
        r['GET ÷ baseline 2 (express)'],
        (v) => v >= 0.5,
        (v) => `${(v * 100).toFixed(0)}%`,
      ),
    },
    {
      target: 'grown database: GET within 20% of the smaller one',
      ...check(
        ratio(grownGet, get),
        (v) => v >= 0.8,
        (v) => `${v.toFixed(2)}×`,
      ),
    },
    {
      target: 'grown database: PUT within 20% of the smaller one',
      ...check(
        ratio(grownPut, put),
        (v) => v >= 0.8,
        (v) => `${v.toFixed(2)}×`,
      ),
    },
    {
      target: 'PostgreSQL GET ≥ 0.9× SQLite GET',
      ...check(
        ratio(pgGet, get),
        (v) => v >= 0.9,
        (v) => `${v.toFixed(2)}×`,
      ),
    },
    {
      target: 'PostgreSQL PUT ≥ 0.7× SQLite PUT',
      ...check(
        ratio(pgPut, put),
        (v) => v >= 0.7,
        (v) => `${v.toFixed(2)}×`,
      ),
    },
  ];
}

export function markdown(summaries: Summary[], fixedRate: number, header: string): string {
  const lines = [
    header,
    '',
    '| scenario | req/s (median) | spread (min–max) | p50 ms | p99 ms | p99.9 ms | errors | load generator CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...summaries.map(
      (s) =>
        `| ${s.name}${s.note ? ` (${s.note})` : ''} | ${Math.round(s.rps.median)} | ${Math.round(s.rps.min)}–${Math.round(s.rps.max)} | ${s.p50} | ${s.p99} | ${s.p999} | ${s.errors + s.non2xx} | ${(s.loadGeneratorCpu * 100).toFixed(0)}% |`,
    ),
    '',
    '| ratio | value |',
    '| --- | ---: |',
    ...Object.entries(ratios(summaries)).map(([name, value]) => `| ${name} | ${value === undefined ? '–' : value.toFixed(2)} |`),
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...targets(summaries, fixedRate).map((t) => `| ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'yes' : 'no'} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

/** Horizontal bars of median throughput, each labelled with its p99. */
export function svgChart(summaries: Summary[], title: string): string {
  const rowHeight = 26;
  const labelWidth = 330;
  const barWidth = 420;
  const top = 40;
  const height = top + summaries.length * rowHeight + 20;
  const max = Math.max(...summaries.map((s) => s.rps.median), 1);
  const rows = summaries.map((s, index) => {
    const y = top + index * rowHeight;
    const width = Math.max(1, (s.rps.median / max) * barWidth);
    const colour = s.name.startsWith('baseline') ? '#9aa5b1' : '#2f6fb3';
    return [
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(s.name)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${width.toFixed(1)}" height="${rowHeight - 8}" fill="${colour}"/>`,
      `<text x="${labelWidth + width + 6}" y="${y + 16}">${Math.round(s.rps.median)} req/s · p99 ${s.p99} ms</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 190}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
