// A tiny SVG chart generator for docs/bench/*.svg: line charts (p50/p99 against client count)
// and grouped bar charts (a figure beside its baseline). No dependency, deterministic output.

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { top: 48, right: 200, bottom: 56, left: 72 };

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

/** 0, and about 5 round ticks up to max. */
function niceTicks(max) {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const ticks = [];
  for (let value = 0; value <= max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(6)));
  return ticks;
}

function label(value) {
  return Math.abs(value) >= 1000 ? `${Number((value / 1000).toPrecision(3))}k` : String(Number(value.toPrecision(4)));
}

function frame(title, yLabel, xLabel, yTicks, yScale, body, legend) {
  const plotRight = WIDTH - MARGIN.right;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const tick of yTicks) {
    const y = yScale(tick);
    parts.push(`<line x1="${MARGIN.left}" x2="${plotRight}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end">${label(tick)}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${plotBottom}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333"/>`);
  parts.push(
    `<text transform="translate(18 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    `<text x="${(MARGIN.left + plotRight) / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  parts.push(...body);
  legend.forEach((entry, index) => {
    const y = MARGIN.top + 8 + index * 20;
    const x = plotRight + 16;
    parts.push(
      entry.line
        ? `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${entry.color}" stroke-width="2.5"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`
        : `<rect x="${x}" y="${y - 6}" width="22" height="12" fill="${entry.color}"/>`,
      `<text x="${x + 30}" y="${y + 4}">${escapeXml(entry.name)}</text>`,
    );
  });
  parts.push('</svg>\n');
  return parts.join('\n');
}

/**
 * Lines over numeric x. `series: [{ name, points: [[x, y], …], dashed? }]`; x positions are the
 * distinct x values, spaced evenly (client counts are often 10, 50, 200).
 */
export function lineChart({ title, xLabel, yLabel, series }) {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const maxY = Math.max(0, ...series.flatMap((s) => s.points.map(([, y]) => y).filter(Number.isFinite)));
  const yTicks = niceTicks(maxY * 1.05);
  const top = yTicks.at(-1) || 1;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.right - MARGIN.left;
  const xScale = (x) => MARGIN.left + (xs.length === 1 ? plotWidth / 2 : 24 + (xs.indexOf(x) * (plotWidth - 48)) / (xs.length - 1));
  const yScale = (y) => plotBottom - (y / top) * (plotBottom - MARGIN.top);
  const body = xs.map((x) => `<text x="${xScale(x)}" y="${plotBottom + 18}" text-anchor="middle">${label(x)}</text>`);
  const legend = [];
  series.forEach((s, index) => {
    const color = s.color ?? COLORS[index % COLORS.length];
    const points = s.points.filter(([, y]) => Number.isFinite(y));
    legend.push({ name: s.name, color, line: true, dashed: s.dashed === true });
    if (points.length === 0) return;
    const path = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${xScale(x).toFixed(1)},${yScale(y).toFixed(1)}`).join(' ');
    body.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of points) body.push(`<circle cx="${xScale(x).toFixed(1)}" cy="${yScale(y).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${label(y)}`)}</title></circle>`);
  });
  return frame(title, yLabel, xLabel, yTicks, yScale, body, legend);
}

/** Grouped bars: `groups: ['a', 'b']`, `series: [{ name, values: [v per group] }]`. */
export function barChart({ title, yLabel, xLabel = '', groups, series }) {
  const maxY = Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const yTicks = niceTicks(maxY * 1.05);
  const top = yTicks.at(-1) || 1;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.right - MARGIN.left;
  const yScale = (y) => plotBottom - (y / top) * (plotBottom - MARGIN.top);
  const groupWidth = plotWidth / Math.max(1, groups.length);
  const barWidth = (groupWidth * 0.7) / Math.max(1, series.length);
  const body = [];
  groups.forEach((group, g) => {
    const x0 = MARGIN.left + g * groupWidth + groupWidth * 0.15;
    body.push(`<text x="${x0 + (groupWidth * 0.7) / 2}" y="${plotBottom + 18}" text-anchor="middle">${escapeXml(group)}</text>`);
    series.forEach((s, index) => {
      const value = s.values[g];
      if (!Number.isFinite(value)) return;
      const y = yScale(value);
      const color = s.color ?? COLORS[index % COLORS.length];
      body.push(
        `<rect x="${(x0 + index * barWidth).toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(plotBottom - y).toFixed(1)}" fill="${color}"><title>${escapeXml(`${s.name} ${group}: ${label(value)}`)}</title></rect>`,
      );
    });
  });
  const legend = series.map((s, index) => ({ name: s.name, color: s.color ?? COLORS[index % COLORS.length] }));
  return frame(title, yLabel, xLabel, yTicks, yScale, body, legend);
}
