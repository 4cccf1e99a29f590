#!/usr/bin/env node
// How long the merge dialog takes to open (and to answer a choice and a keystroke) in Chromium,
// on a document whose merge yields hundreds of conflicts. The real app against the BUILT server:
// Alice edits every paragraph offline, Bob saves different edits to the same paragraphs over
// REST, Alice comes back online and the merge dialog opens. Each measurement then closes the
// dialog and presses "Open the merge" again, timing in the page (performance.now()) from the
// click to the first frame painted once the dialog has taken focus (the first conflict's "Keep mine"),
// and to the end of the last busy frame after it ("settled": work left for later frames). Then,
// per page, five choices (Keep mine) and five keystrokes in the result, each from a quiet page to
// the next paint.
//
//   node test/bench/merge-dialog/merge-dialog-bench.mjs [--dist=LABEL:DIR ...] [--conflicts=250,1000]
//        [--runs=5] [--profile=DIR]
//
// --dist: web client builds to compare, served in turn by the same server build (WEB_DIST); the
//         default is web/dist. Build one elsewhere with `cd web && npx vite build --outDir DIR`.
// --css: LABEL:RULES, a style sheet added to the pages of the build labelled LABEL (the same
//         build may be given twice under two labels, to measure a CSS rule not in it yet).
// --runs: fresh pages per build and size (each page measures the opening 3 times); medians.
// --profile: also writes CPU profiles (.cpuprofile, open them in Chrome DevTools) of one opening
//         and of the choices and keystrokes, and a trace of one opening (style/layout counts), per
//         build and size into DIR, and prints the functions with the most self time (build with
//         `--minify false` for readable names).
//
// Needs PostgreSQL on 127.0.0.1:5432 (BENCH_ADMIN_DATABASE_URL), the built server
// (`npx nx run server:build`) and Chromium at /usr/bin/chromium (CHROMIUM_PATH). Asserts no timing.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { api, createBenchDatabase, registerBenchUser, ROOT, startConcord } from '../lib/concord-server.mjs';

const argv = process.argv.slice(2);
const option = (name) =>
  argv.filter((arg) => arg.startsWith(`--${name}=`)).map((arg) => arg.slice(name.length + 3));
const dists = option('dist').map((spec) => {
  const at = spec.indexOf(':');
  return at < 0
    ? { label: spec, dir: resolve(spec) }
    : { label: spec.slice(0, at), dir: resolve(spec.slice(at + 1)) };
});
if (dists.length === 0) dists.push({ label: 'web/dist', dir: join(ROOT, 'web', 'dist') });
const sizes = (option('conflicts')[0] ?? '250,1000').split(',').map(Number);
const RUNS = Number(option('runs')[0] ?? 5);
const OPENINGS_PER_PAGE = 3;
const profileDir = option('profile')[0];
/** --css=LABEL:RULES adds a style sheet to that build's pages (to try a CSS rule before it is in the build). */
const extraCss = new Map(
  option('css').map((spec) => {
    const at = spec.indexOf(':');
    return [spec.slice(0, at), spec.slice(at + 1)];
  }),
);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** N paragraphs, each a line that both sides change differently and a line neither touches. */
function texts(conflicts) {
  const lines = (word) =>
    Array.from({ length: conflicts }, (_, i) => `Paragraph ${i} is ${word} today.\nkeep ${i}\n`).join('');
  return { base: lines('plain'), mine: lines('mine'), theirs: lines('theirs') };
}

/** until(): resolves after the first frame painted once `ready()` holds (rAF, then a task after it). */
const IN_PAGE = `
window.__mergeBench = {
  afterPaint: () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))),
  async until(ready) {
    while (!ready()) await new Promise((done) => setTimeout(done, 0));
    await this.afterPaint();
  },
  // Frames until three in a row take under 34 ms (two frames at 60 Hz): when the last busy one
  // ended (performance.now()), or the start when none was busy. Catches work a change leaves
  // for later frames (cards drawn ahead as the observer reports them).
  async settle(from = performance.now()) {
    let lastBusy = from;
    for (let frame = 0, quiet = 0; frame < 60 && quiet < 3; frame += 1) {
      const started = performance.now();
      await this.afterPaint();
      if (performance.now() - started < 34) quiet += 1;
      else {
        quiet = 0;
        lastBusy = performance.now();
      }
    }
    return lastBusy;
  },
  longTasks: [],
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__mergeBench.longTasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: 'longtask', buffered: true });
`;

export async function conflictPage(browser, server, alice, bob, conflicts, css) {
  const { base, mine, theirs } = texts(conflicts);
  const { body: doc } = await api(server.url, '/api/documents', {
    method: 'POST',
    token: alice.token,
    body: { title: `Merge ${conflicts}`, content: base },
  });
  await api(server.url, `/api/documents/${doc.id}/members`, {
    method: 'POST',
    token: alice.token,
    body: { username: bob.user.username, role: 'editor' },
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  await context.addInitScript(
    (session) => {
      if (!localStorage.getItem('concord:session')) localStorage.setItem('concord:session', session);
    },
    JSON.stringify({ token: alice.token, user: alice.user }),
  );
  await context.addInitScript(IN_PAGE);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/d/${doc.id}`);
  if (css) await page.addStyleTag({ content: css });
  await page.getByRole('status').filter({ hasText: /Saved/ }).waitFor({ timeout: 30_000 });

  await context.setOffline(true);
  await page
    .getByRole('status')
    .filter({ hasText: /Offline/ })
    .waitFor({ timeout: 30_000 });
  const editor = page.getByRole('textbox', { name: 'Document content' });
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(mine);

  const current = await api(server.url, `/api/documents/${doc.id}`, { token: bob.token });
  await api(server.url, `/api/documents/${doc.id}`, {
    method: 'PUT',
    token: bob.token,
    headers: { 'if-match': current.headers.get('etag') },
    body: { content: theirs },
  });

  await context.setOffline(false);
  const dialog = page.getByRole('dialog', { name: 'Resolve conflicts' });
  await dialog.waitFor({ timeout: 60_000 });
  const found = await dialog.getByText(/conflicts? left/).textContent();
  if (!found.startsWith(`${conflicts} conflict`))
    throw new Error(`expected ${conflicts} conflicts, the dialog says: ${found}`);
  return { context, page, dialog, errors };
}

/**
 * Closes the dialog and opens it again: milliseconds from the click to the painted, focused
 * dialog (ms), and to the end of the last busy frame after it (settledMs).
 */
export async function reopen(page, { closeFirst = true } = {}) {
  if (closeFirst) {
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Open the merge' }).waitFor();
    await page.evaluate(() => window.__mergeBench.afterPaint());
  }
  return page.evaluate(async () => {
    const bench = window.__mergeBench;
    bench.longTasks.length = 0;
    const button = Array.from(document.querySelectorAll('button')).find(
      (b) => b.textContent.trim() === 'Open the merge',
    );
    const started = performance.now();
    button.click();
    await bench.until(() => {
      const dialog = document.querySelector('[role="dialog"]');
      return dialog !== null && dialog.contains(document.activeElement);
    });
    const painted = performance.now();
    const settled = await bench.settle(painted);
    return {
      ms: painted - started,
      settledMs: settled - started,
      longestTask: Math.max(0, ...bench.longTasks.map((task) => task.duration)),
    };
  });
}

/**
 * Five clicks on the first open conflict's Keep mine, then five keystrokes in the result: each
 * from a quiet page to the next paint (ms each).
 */
async function interact(page) {
  return page.evaluate(async () => {
    const bench = window.__mergeBench;
    const dialog = document.querySelector('[role="dialog"]');
    const area = dialog.querySelector('textarea');
    const choose = [];
    for (let i = 0; i < 5; i += 1) {
      await bench.settle();
      const before = area.value;
      const keep = Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Keep mine');
      const started = performance.now();
      keep.click();
      await bench.until(() => area.value !== before);
      choose.push(performance.now() - started);
    }
    // Keystrokes near the start of the result, through the editing path typing takes.
    area.focus();
    area.setSelectionRange(5, 5);
    const type = [];
    for (let i = 0; i < 5; i += 1) {
      await bench.settle();
      const typed = area.value.length + 1;
      const started = performance.now();
      document.execCommand('insertText', false, 'x');
      await bench.until(() => area.value.length === typed);
      type.push(performance.now() - started);
    }
    return { choose, type };
  });
}

/** The functions with the most self time in a CDP CPU profile (idle and the profiler's own left out). */
function topSelfTime(profile, count = 12) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byNode.get(id).callFrame;
    if (functionName === '(idle)') return;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  });
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => `${ms.toFixed(1).padStart(8)} ms  ${name}`);
}

/** Chromium's own split of the main thread's work (CDP Performance metrics), in ms. */
async function mainThreadMetrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name) => (metrics.find((metric) => metric.name === name)?.value ?? 0) * 1000;
  return {
    script: get('ScriptDuration'),
    style: get('RecalcStyleDuration'),
    layout: get('LayoutDuration'),
    task: get('TaskDuration'),
  };
}

/**
 * One opening under Chromium's tracing: the main thread's style recalculations and layouts with
 * how many elements and layout objects each touched, and the longest other events.
 */
async function traceOpening(browser, page, file) {
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Open the merge' }).waitFor();
  await page.evaluate(() => window.__mergeBench.afterPaint());
  await browser.startTracing(page, {
    path: file,
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
  });
  const timing = await reopen(page, { closeFirst: false });
  const buffer = await browser.stopTracing();
  const counts = await page.evaluate(() => ({
    page: document.querySelectorAll('*').length,
    dialog: document.querySelector('[role="dialog"]').querySelectorAll('*').length,
    textarea: document.querySelector('[role="dialog"] textarea').value.length,
  }));
  const events = JSON.parse(buffer.toString()).traceEvents.filter(
    (event) => event.ph === 'X' && event.dur > 2000,
  );
  const described = events
    .filter((event) =>
      [
        'UpdateLayoutTree',
        'Layout',
        'Paint',
        'PrePaint',
        'Layerize',
        'FunctionCall',
        'EventDispatch',
        'ParseHTML',
        'HitTest',
        'TimerFire',
        'FireAnimationFrame',
      ].includes(event.name),
    )
    .sort((a, b) => a.ts - b.ts)
    .map((event) => {
      const data = event.args?.beginData ?? event.args?.data ?? {};
      const detail =
        event.name === 'UpdateLayoutTree'
          ? ` elements=${event.args?.elementCount ?? '?'}`
          : event.name === 'Layout'
            ? ` dirty=${data.dirtyObjects ?? '?'}/${data.totalObjects ?? '?'}`
            : '';
      return `${(event.dur / 1000).toFixed(1).padStart(8)} ms  ${event.name}${detail}`;
    });
  return { timing, described, counts };
}

/** One opening under the CPU profiler, with Chromium's split of its time into script, style and layout. */
async function profileOpening(page, file) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Open the merge' }).waitFor();
  await page.evaluate(() => window.__mergeBench.afterPaint());
  const before = await mainThreadMetrics(cdp);
  await cdp.send('Profiler.start');
  const timing = await reopen(page, { closeFirst: false });
  const { profile } = await cdp.send('Profiler.stop');
  const after = await mainThreadMetrics(cdp);
  await cdp.detach();
  writeFileSync(file, JSON.stringify(profile));
  const split = Object.fromEntries(
    Object.keys(after).map((key) => [key, Math.round(after[key] - before[key])]),
  );
  return { timing, split, top: topSelfTime(profile) };
}

async function main() {
  const database = await createBenchDatabase('mergedialog');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const results = [];
  try {
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    // One server per build on one database and one JWT secret: the same users sign in to each.
    const jwtSecret = `${randomUUID()}${randomUUID()}`;
    const servers = [];
    for (const dist of dists)
      servers.push({
        dist,
        server: await startConcord({ database, jwtSecret, env: { WEB_DIST: dist.dir }, pin: false }),
      });
    try {
      const alice = await registerBenchUser(servers[0].server.url, 'alice');
      const bob = await registerBenchUser(servers[0].server.url, 'bob');
      for (const conflicts of sizes) {
        const samples = new Map(
          dists.map((dist) => [dist.label, { open: [], settled: [], longestTask: [], choose: [], type: [] }]),
        );
        // Builds take turns run by run, so a slower stretch of the machine hits all of them alike.
        for (let run = 0; run < RUNS; run += 1) {
          for (const { dist, server } of servers) {
            const { context, page, errors } = await conflictPage(
              browser,
              server,
              alice,
              bob,
              conflicts,
              extraCss.get(dist.label),
            );
            try {
              const mine = samples.get(dist.label);
              for (let i = 0; i < OPENINGS_PER_PAGE; i += 1) {
                const { ms, settledMs, longestTask } = await reopen(page);
                mine.settled.push(settledMs);
                mine.open.push(ms);
                mine.longestTask.push(longestTask);
              }
              if (profileDir && run === 0) {
                const file = join(
                  profileDir,
                  `${dist.label.replace(/[^\w.-]+/g, '_')}-${conflicts}.cpuprofile`,
                );
                const { timing, split, top } = await profileOpening(page, file);
                console.log(
                  `\n${dist.label}, ${conflicts} conflicts: opening under the profiler ${timing.ms.toFixed(0)} ms, main thread ${JSON.stringify(split)}; self time:\n${top.join('\n')}\n(${file})`,
                );
              }
              let interaction;
              if (profileDir && run === 0) {
                const cdp = await page.context().newCDPSession(page);
                await cdp.send('Profiler.enable');
                await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
                await cdp.send('Profiler.start');
                interaction = await interact(page);
                const { profile } = await cdp.send('Profiler.stop');
                await cdp.detach();
                const file = join(
                  profileDir,
                  `${dist.label.replace(/[^\w.-]+/g, '_')}-${conflicts}-choice-and-keystroke.cpuprofile`,
                );
                writeFileSync(file, JSON.stringify(profile));
                console.log(
                  `\n${dist.label}, ${conflicts} conflicts: a choice and a keystroke under the profiler; self time:\n${topSelfTime(profile).join('\n')}\n(${file})`,
                );
              } else {
                interaction = await interact(page);
              }
              const { choose, type } = interaction;
              if (profileDir && run === 0) {
                await page.evaluate(() => {
                  const area = document.querySelector('[role="dialog"] textarea');
                  area.focus();
                });
                const file = join(
                  profileDir,
                  `${dist.label.replace(/[^\w.-]+/g, '_')}-${conflicts}.trace.json`,
                );
                const { timing, described, counts } = await traceOpening(browser, page, file);
                console.log(
                  `\n${dist.label}, ${conflicts} conflicts: opening under tracing ${timing.ms.toFixed(0)} ms; elements ${JSON.stringify(counts)}; main-thread events over 2 ms in order:\n${described.join('\n')}\n(${file})`,
                );
              }
              mine.choose.push(...choose);
              mine.type.push(...type);
              if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
            } finally {
              await context.close();
            }
          }
        }
        for (const [label, s] of samples) {
          const row = {
            build: label,
            conflicts,
            openMs: Math.round(median(s.open)),
            openSamples: s.open.map(Math.round),
            settledMs: Math.round(median(s.settled)),
            longestTaskMs: Math.round(median(s.longestTask)),
            chooseMs: Math.round(median(s.choose)),
            keystrokeMs: Math.round(median(s.type)),
          };
          results.push(row);
          console.log(JSON.stringify(row));
        }
      }
    } finally {
      for (const { server } of servers) await server.stop();
    }
  } finally {
    await browser.close();
    await database.drop();
  }
  console.log(
    '\nmedians (ms): build, conflicts, open (first paint), open (settled), longest task while opening, a choice, a keystroke',
  );
  for (const row of results)
    console.log(
      [
        row.build,
        row.conflicts,
        row.openMs,
        row.settledMs,
        row.longestTaskMs,
        row.chooseMs,
        row.keystrokeMs,
      ].join('\t'),
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
