// Turns one full benchmark run into docs/benchmarks.md blocks and docs/bench/*.svg charts.
// Only the blocks between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` are
// rewritten; everything else in the file (the "## Merge engine" and "## Edit propagation"
// sections of their owners, hand-written notes) is kept as it is.
import { barChart, lineChart } from './svg-chart.mjs';
import { fmt, fmtPercent, fmtRatio, markdownTable } from './stats.mjs';

const BLOCKS = ['summary', 'save', 'read', 'two-instances', 'memory'];

function met(value, target, higherIsBetter = true) {
  if (!Number.isFinite(value) || target === undefined) return '';
  return (higherIsBetter ? value >= target : value <= target) ? 'met' : '**not met**';
}

/** 'concord', 'hocuspocus' or 'floor' (the bare socket.io server). */
function kindOf(result) {
  const target = String(result.target);
  if (target.startsWith('Concord')) return 'concord';
  return target.startsWith('Hocuspocus') ? 'hocuspocus' : 'floor';
}

function propagationRows(propagation) {
  if (!propagation) return [];
  const concord = propagation.results.filter((r) => kindOf(r) === 'concord');
  return concord.map((r) => {
    const floor = propagation.results.find((f) => kindOf(f) === 'floor' && f.key === r.key);
    const hocuspocus = propagation.results.find((f) => kindOf(f) === 'hocuspocus' && f.key === r.key);
    return { r, floor, hocuspocus, ratioP99: floor ? r.p99Ms / floor.p99Ms : Number.NaN };
  });
}

/** Every propagation scenario × target, with the ratios to the floor and to Hocuspocus. */
function propagationTable(propagation) {
  if (!propagation) return '';
  const rows = propagationRows(propagation).flatMap(({ r, floor, hocuspocus }) =>
    [r, hocuspocus, floor].filter(Boolean).map((x) => [
      x.scenario,
      kindOf(x) === 'concord' ? 'Concord' : kindOf(x) === 'hocuspocus' ? 'Hocuspocus' : 'bare socket.io (floor)',
      x.clients,
      fmt(x.editsPerSecond),
      fmt(x.deliveries),
      fmt(x.p50Ms),
      fmt(x.p99Ms),
      floor ? fmtRatio(x.p99Ms / floor.p99Ms) : '–',
      `${x.lost} / ${x.reordered} / ${x.duplicated}`,
    ]),
  );
  return [
    '### Edit propagation: every scenario and target',
    '',
    propagation.method,
    '',
    markdownTable(['scenario', 'target', 'clients', 'edits/s', 'deliveries', 'p50 ms', 'p99 ms', 'p99 ÷ floor', 'lost / reordered / duplicated'], rows),
  ].join('\n');
}

/** The merge benchmark's own Markdown table, as its script printed it in this run. */
function mergeTable(merge) {
  if (!merge) return '';
  const table = merge.output.split('\n').filter((line) => line.startsWith('|'));
  const notes = merge.output.split('\n').filter((line) => /^(median of|quick)/.test(line));
  return ['### Merge engine: this run (test/bench/merge)', '', ...table, '', ...notes].join('\n');
}

function summaryBlock({ meta, results }) {
  const rows = [];
  for (const r of results.save?.results.filter((x) => x.connections === 100) ?? []) {
    rows.push([
      `Save (${r.key}) ${r.scenario}, 100 conns`,
      `${fmt(r.savesPerSecond)} saves/s`,
      r.baseline ? `pgbench ${fmt(r.baseline.savesPerSecond)} saves/s` : 'pgbench missing',
      fmtRatio(r.ratio),
      `≥ ${r.target}×`,
      met(r.ratio, r.target),
    ]);
  }
  for (const r of results.read?.results.filter((x) => x.key !== 'hello') ?? []) {
    rows.push([`Read: ${r.scenario}`, `${fmt(r.requestsPerSecond)} req/s`, `hello-world ${fmt(r.baseline.requestsPerSecond)} req/s`, fmtRatio(r.ratio), '≥ 0.8×', met(r.ratio, 0.8)]);
  }
  for (const { r, floor, hocuspocus, ratioP99 } of propagationRows(results.propagation)) {
    rows.push([
      `Propagation: ${r.scenario}`,
      `p99 ${fmt(r.p99Ms)} ms`,
      floor ? `bare socket.io p99 ${fmt(floor.p99Ms)} ms` : '–',
      fmtRatio(ratioP99),
      r.key === 'b' ? '≤ 1.3×, ≤ 50 ms' : '≤ 1.3×',
      [met(ratioP99, 1.3, false), r.key === 'b' ? met(r.p99Ms, 50, false) : ''].filter(Boolean).join(', '),
    ]);
    if (hocuspocus) {
      const vs = r.p99Ms / hocuspocus.p99Ms;
      rows.push([`Propagation: ${r.scenario}`, `p99 ${fmt(r.p99Ms)} ms`, `Hocuspocus p99 ${fmt(hocuspocus.p99Ms)} ms`, fmtRatio(vs), 'ahead (< 1×)', met(vs, 1, false)]);
    }
  }
  if (results.merge) {
    const merge = results.merge;
    const verdict = !merge.ok ? '**correctness checks failed**' : merge.targetsMet === false ? `correct; ${merge.missed.length} case(s) over 1.5× git` : 'all checks passed';
    rows.push(['Merge engine (table in its section)', verdict, 'git merge-file, node-diff3', 'per case', '≤ 1.5× git', merge.ok && merge.targetsMet !== false ? 'met' : '**not met**']);
  }
  for (const r of results['two-instances']?.results.filter((x) => x.key === 'split-cross') ?? []) {
    rows.push(['Two instances: cross-instance p99', `${fmt(r.p99Ms)} ms`, `single instance ${fmt(r.baseline.p99Ms)} ms`, fmtRatio(r.ratioP99), 'diagnostic', '']);
  }
  for (const r of results.memory?.results.filter((x) => x.key === 'editor' || x.key === 'document') ?? []) {
    rows.push([`Memory ${r.scenario}`, `${fmt(r.concord)} KiB`, `bare socket.io ${fmt(r.baseline)} KiB`, fmtRatio(r.ratio), '–', '']);
  }
  const loss = [
    results.save && `save: ${results.save.check.acknowledged} acknowledged saves, ${results.save.check.lost} lost`,
    results.propagation && `propagation: ${results.propagation.results.reduce((n, r) => n + r.lost + r.reordered + r.duplicated, 0)} lost/reordered/duplicated deliveries`,
    results['two-instances'] && `two instances: ${results['two-instances'].check.lost} lost, ${results['two-instances'].check.reordered} reordered`,
  ].filter(Boolean);
  return [
    '## Summary',
    '',
    `Generated by \`npm run bench\` on ${meta.date.slice(0, 10)} (Node ${meta.node}, ${meta.cores} × ${meta.cpu ?? 'CPU'}, ` +
      `${meta.pinned ? 'server and load generator pinned to different cores with taskset' : 'no CPU pinning'}, ${Math.round(meta.seconds / 60)} min). ` +
      'Every figure is the median of 3 runs measured in the same run as its baseline; the ratio is Concord ÷ baseline ' +
      '(for throughput higher is better, for latency and memory lower is better). Absolute numbers on this shared 2-core machine are noisy; the ratios are the result.',
    '',
    markdownTable(['benchmark', 'Concord', 'baseline', 'ratio', 'target', ''], rows),
    '',
    `Correctness in the same run: ${loss.join('; ')}.`,
    ...(meta.failures?.length ? ['', `**Failures in this run:** ${meta.failures.map((f) => f.split('\n')[0]).join('; ')}`] : []),
    ...(meta.skipped?.length ? ['', `**Skipped:** ${meta.skipped.join('; ')}`] : []),
    ...(results.merge?.missed?.length ? ['', `Merge cases over the 1.5× target: ${results.merge.missed.map((m) => m.slice(2)).join('; ')}.`] : []),
    '',
    '![Save: p50/p99 against client count, Concord beside pgbench](bench/save-latency.svg)',
    '',
    '![Save throughput, Concord beside pgbench](bench/save-throughput.svg)',
    '',
    '![Edit propagation: p50/p99 against client count, Concord beside Hocuspocus and the bare socket.io floor](bench/propagation-latency.svg)',
    '',
    propagationTable(results.propagation),
    '',
    mergeTable(results.merge),
  ].join('\n');
}

function saveBlock({ results }) {
  const save = results.save;
  if (!save) return '## Save under optimistic locking\n\nNot run.';
  const rows = save.results.map((r) => [
    `(${r.key}) ${r.scenario}`,
    r.connections,
    fmt(r.savesPerSecond),
    fmt(r.requestsPerSecond),
    fmtPercent(r.conflictShare),
    fmt(r.p50Ms),
    fmt(r.p99Ms),
    r.baseline ? `${fmt(r.baseline.savesPerSecond)} (${r.baseline.clients} clients)` : '–',
    r.baseline ? fmtPercent(r.baseline.conflictShare) : '–',
    r.baseline ? `${fmt(r.baseline.p50Ms)} / ${fmt(r.baseline.p99Ms)}` : '–',
    fmtRatio(r.ratio),
  ]);
  return [
    '## Save under optimistic locking',
    '',
    save.method,
    '',
    markdownTable(['scenario', 'conns', 'saves/s', 'req/s', '409 share', 'p50 ms', 'p99 ms', 'pgbench saves/s', 'pgbench 409 share', 'pgbench p50/p99 ms', 'ratio (saves/s)'], rows),
    '',
    `Lost updates: ${save.check.lost} (checked over ${save.check.documents} documents and ${save.check.acknowledged} acknowledged saves: ` +
      `every final version = 1 + its 200s; ${save.check.unexplained} unexplained extra versions).`,
  ].join('\n');
}

function readBlock({ results }) {
  const read = results.read;
  if (!read) return '## Read path\n\nNot run.';
  const rows = read.results.map((r) => [r.scenario, fmt(r.requestsPerSecond), fmt(r.p50Ms), fmt(r.p99Ms), fmtRatio(r.ratio)]);
  return ['## Read path', '', read.method, '', markdownTable(['route', 'req/s', 'p50 ms', 'p99 ms', 'ratio to hello-world'], rows)].join('\n');
}

function twoInstancesBlock({ results }) {
  const two = results['two-instances'];
  if (!two) return '## Two instances over Redis\n\nNot run.';
  const rows = two.results.map((r) => [r.scenario, fmt(r.deliveries), fmt(r.p50Ms), fmt(r.p99Ms), fmtRatio(r.ratioP99)]);
  return [
    '## Two instances over Redis',
    '',
    two.method,
    `Setup: ${two.setup.documents} documents × (1 typist + ${two.setup.receiversPerDocument} receivers), ${two.setup.editsPerSecondPerTypist} edits/s per typist for ${two.setup.seconds} s.`,
    '',
    markdownTable(['receivers', 'deliveries', 'p50 ms', 'p99 ms', 'p99 ratio to single instance'], rows),
    '',
    `Lost ${two.check.lost}, reordered ${two.check.reordered}, duplicated ${two.check.duplicated}, failed edits ${two.check.errors}.`,
  ].join('\n');
}

function memoryBlock({ results }) {
  const memory = results.memory;
  if (!memory) return '## Memory\n\nNot run.';
  const rows = memory.results.map((r) => [r.scenario, fmt(r.concord), fmt(r.baseline), fmtRatio(r.ratio)]);
  return ['## Memory', '', memory.method, '', markdownTable(['measure', 'Concord', 'bare socket.io', 'ratio'], rows)].join('\n');
}

function charts({ results }) {
  const out = {};
  const save = results.save;
  if (save) {
    const series = [];
    for (const key of ['a', 'b']) {
      const rows = save.results.filter((r) => r.key === key);
      const label = key === 'a' ? 'random docs' : 'hot doc';
      series.push({ name: `Concord ${label} p50`, points: rows.map((r) => [r.connections, r.p50Ms]) });
      series.push({ name: `Concord ${label} p99`, points: rows.map((r) => [r.connections, r.p99Ms]) });
      series.push({ name: `pgbench ${label} p50`, dashed: true, points: rows.filter((r) => r.baseline).map((r) => [r.connections, r.baseline.p50Ms]) });
      series.push({ name: `pgbench ${label} p99`, dashed: true, points: rows.filter((r) => r.baseline).map((r) => [r.connections, r.baseline.p99Ms]) });
    }
    out['save-latency.svg'] = lineChart({ title: 'Save (PUT + If-Match): latency', xLabel: 'concurrent clients (pgbench: min(N, 50))', yLabel: 'ms', series });
    const at100 = save.results.filter((r) => r.connections === 100);
    out['save-throughput.svg'] = barChart({
      title: 'Saves/s at 100 connections',
      yLabel: 'accepted saves per second',
      groups: at100.map((r) => (r.key === 'a' ? 'random documents' : 'one hot document')),
      series: [
        { name: 'Concord', values: at100.map((r) => r.savesPerSecond) },
        { name: 'pgbench (same UPDATE)', values: at100.map((r) => r.baseline?.savesPerSecond ?? Number.NaN) },
      ],
    });
  }
  const propagation = results.propagation;
  if (propagation) {
    const byKind = (kind) => propagation.results.filter((r) => kindOf(r) === kind).sort((a, b) => a.clients - b.clients);
    const series = [];
    for (const [kind, name] of [
      ['concord', 'Concord'],
      ['hocuspocus', 'Hocuspocus'],
      ['floor', 'bare socket.io (floor)'],
    ]) {
      const rows = byKind(kind);
      if (rows.length === 0) continue;
      series.push({ name: `${name} p50`, dashed: kind !== 'concord', points: rows.map((r) => [r.clients, r.p50Ms]) });
      series.push({ name: `${name} p99`, dashed: kind !== 'concord', points: rows.map((r) => [r.clients, r.p99Ms]) });
    }
    out['propagation-latency.svg'] = lineChart({ title: 'Edit propagation: emit → every receiver', xLabel: 'connected clients in the scenario', yLabel: 'ms', series });
  }
  return out;
}

const RENDERERS = { summary: summaryBlock, save: saveBlock, read: readBlock, 'two-instances': twoInstancesBlock, memory: memoryBlock };

const HEADER = `# Concord benchmarks

How far Concord is from the best it could be, measured beside a baseline in the same run.
Reproduce with \`npm run bench\` (≈ 20 minutes; it builds first) — it rewrites the generated
blocks of this file, \`docs/bench/results.json\` and the charts in \`docs/bench/\`.
\`node test/bench/run.mjs --quick\` is the CI smoke test (< 2 minutes, small loads, checks
that nothing is lost, asserts no timing). Harness: \`test/bench/run.mjs\` and \`test/bench/*/\`.
`;

/** Replaces each generated block in `existing` (appending missing ones) and returns the charts. */
export function renderDocs(existing, run) {
  let markdown = existing.trim().length > 0 ? existing : HEADER;
  for (const name of BLOCKS) {
    const start = `<!-- bench:${name}:start -->`;
    const end = `<!-- bench:${name}:end -->`;
    const block = `${start}\n${RENDERERS[name](run)}\n${end}`;
    const from = markdown.indexOf(start);
    const to = markdown.indexOf(end);
    if (from !== -1 && to > from) markdown = `${markdown.slice(0, from)}${block}${markdown.slice(to + end.length)}`;
    else markdown = `${markdown.trimEnd()}\n\n${block}\n`;
  }
  return { markdown: markdown.endsWith('\n') ? markdown : `${markdown}\n`, charts: charts(run) };
}
