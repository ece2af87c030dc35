// reports.html: a robustness or chip-yield run as one self-contained HTML file, fit to attach to a lab
// notebook: the parameters, the networks and what was perturbed, the figures, the medians with their
// quartiles, the Mann-Whitney U tests, the yield, every trial, and the code version.
//
// The figures are inline SVG drawn here, not uPlot: the file must open anywhere and stay the same —
// with scripts disabled (notebook systems and mail clients strip or sandbox them), printed or turned
// into a PDF (vectors), years later — and box plots and IQR bands are a few shapes each. The page makes
// no request at all: its Content-Security-Policy allows nothing but its own inline styles and data:
// images, and it has no script. The data of the figures and tables ride along as an inert JSON block
// (<script type="application/json">, never executed) for anyone who wants to re-plot them.
import { quartiles } from '../analysis/stats.ts'
import { jobKinds, isJobKindName } from '../shared/jobkinds/index.ts'
import { formatLevel, formatP as pText, levelOrder, perturbationInfo, type PerturbationName } from '../shared/perturbations.ts'
import type { RobustnessAnalysis, RobustnessTrial } from '../shared/types.ts'

export interface ReportContext {
  /** the Mimic Workbench making the report */
  appVersion: string
  codeVersion: string
  generatedAt: string
}

/** Okabe-Ito colours (colour-blind safe, print safe), one per network. */
const colours = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442']
export const colour = (i: number): string => colours[i % colours.length]

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A number for a table: 4 significant digits, exponent form for the very small and large. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–'
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v)
  const a = Math.abs(v)
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2)
  return String(Number(v.toPrecision(4)))
}


export const f2 = (v: number): string => (Math.round(v * 100) / 100).toString()

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const out: number[] = []
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

export interface Axis {
  /** value → pixel */
  y: (v: number) => number
  ticks: number[]
  log: boolean
}

/** The y axis of a metric over these values: accuracy 0..1; MSE from 0 (or a log axis when it spans more than two decades). */
export function yAxis(metric: 'accuracy' | 'mse', values: number[], top: number, bottom: number): Axis {
  if (metric === 'accuracy') {
    const lo = 0
    const hi = 1
    return { y: (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top), ticks: ticks(lo, hi, 5), log: false }
  }
  const positive = values.filter((v) => v > 0)
  const max = Math.max(...values, 1e-12)
  const min = positive.length ? Math.min(...positive) : max
  if (max / min > 100) {
    const lo = Math.floor(Math.log10(min))
    const hi = Math.ceil(Math.log10(max))
    const span = Math.max(1, hi - lo)
    const t: number[] = []
    for (let e = lo; e <= hi; e++) t.push(10 ** e)
    return { y: (v) => bottom - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / span) * (bottom - top), ticks: t, log: true }
  }
  const t = ticks(0, max * 1.05, 5)
  const hi = t[t.length - 1]
  return { y: (v) => bottom - (v / hi) * (bottom - top), ticks: t, log: false }
}

export const W = 680
export const H = 330
export const M = { left: 64, right: 16, top: 16, bottom: 56 }

export function axesSvg(axis: Axis, levels: number[], x: (i: number) => number, perturbation: PerturbationName, yLabel: string): string {
  const parts: string[] = []
  for (const t of axis.ticks) {
    const y = axis.y(t)
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${f2(y)}" y2="${f2(y)}"/>`)
    parts.push(`<text class="tick" x="${M.left - 6}" y="${f2(y + 4)}" text-anchor="end">${esc(axis.log ? t.toExponential(0) : num(t))}</text>`)
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>`)
  parts.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>`)
  levels.forEach((l, i) => parts.push(`<text class="tick" x="${f2(x(i))}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(formatLevel(perturbation, l))}</text>`))
  parts.push(`<text class="label" x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(perturbationInfo[perturbation].label)} level</text>`)
  parts.push(`<text class="label" transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}${axis.log ? ' (log scale)' : ''}</text>`)
  return parts.join('')
}

function legendHtml(a: RobustnessAnalysis): string {
  return `<ul class="legend">${a.networks
    .map((n, i) => `<li><span class="swatch" style="background:${colour(i)}"></span>run ${n.id} ${esc(n.name)} <span class="muted">(${esc(n.architecture)}${n.variant ? ` ${esc(n.variant)}` : ''})</span></li>`)
    .join('')}</ul>`
}

/** Median against level, one curve per network, with its interquartile band. */
function curveFigure(a: RobustnessAnalysis, metric: 'accuracy' | 'mse', id: string, title: string): string {
  const perturbation = a.perturbation as PerturbationName
  const levels = levelOrder(perturbation, a.levels)
  const key = metric === 'accuracy' ? (['q1Accuracy', 'medianAccuracy', 'q3Accuracy'] as const) : (['q1Mse', 'medianMse', 'q3Mse'] as const)
  const axis = yAxis(metric, a.summary.flatMap((s) => [s[key[0]], s[key[2]]]), M.top, H - M.bottom)
  const step = (W - M.left - M.right) / Math.max(1, levels.length)
  const x = (i: number): number => M.left + step * (i + 0.5)
  const shapes: string[] = []
  a.networks.forEach((n, k) => {
    const pts = levels
      .map((l, i) => ({ i, l, s: a.summary.find((s) => s.network === n.id && s.level === l) }))
      .filter((p): p is { i: number; l: number; s: NonNullable<typeof p.s> } => p.s !== undefined)
    if (!pts.length) return
    const band = [...pts.map((p) => `${f2(x(p.i))},${f2(axis.y(p.s[key[2]]))}`), ...[...pts].reverse().map((p) => `${f2(x(p.i))},${f2(axis.y(p.s[key[0]]))}`)].join(' ')
    shapes.push(`<g class="series" data-network="${n.id}">`)
    shapes.push(`<polygon class="band" points="${band}" fill="${colour(k)}" fill-opacity="0.18" stroke="none"/>`)
    shapes.push(`<polyline class="median" points="${pts.map((p) => `${f2(x(p.i))},${f2(axis.y(p.s[key[1]]))}`).join(' ')}" fill="none" stroke="${colour(k)}" stroke-width="2"/>`)
    for (const p of pts) {
      shapes.push(
        `<circle cx="${f2(x(p.i))}" cy="${f2(axis.y(p.s[key[1]]))}" r="3.5" fill="${colour(k)}"><title>run ${n.id} at ${esc(formatLevel(perturbation, p.l))}: median ${num(p.s[key[1]])}, IQR ${num(p.s[key[0]])} to ${num(p.s[key[2]])} (${p.s.draws} draws)</title></circle>`,
      )
    }
    shapes.push('</g>')
  })
  const yLabel = metric === 'accuracy' ? 'accuracy (true labels)' : 'output MSE'
  return `<figure id="${id}"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-t"><title id="${id}-t">${esc(title)}</title>${axesSvg(axis, levels, x, perturbation, yLabel)}${shapes.join('')}</svg><figcaption>${esc(title)}: the median over the draws, and the band from the first to the third quartile.</figcaption>${legendHtml(a)}</figure>`
}

/** Box plots per level: one box per network (quartiles, median, whiskers to the furthest draw within 1.5 IQR, outliers as dots). */
function boxFigure(a: RobustnessAnalysis, metric: 'accuracy' | 'mse', id: string, title: string): string {
  const perturbation = a.perturbation as PerturbationName
  const levels = levelOrder(perturbation, a.levels)
  const values = (n: number, l: number): number[] => a.rows.filter((r: RobustnessTrial) => r.network === n && r.level === l).map((r) => r[metric])
  const axis = yAxis(metric, a.rows.map((r) => r[metric]), M.top, H - M.bottom)
  const step = (W - M.left - M.right) / Math.max(1, levels.length)
  const x = (i: number): number => M.left + step * (i + 0.5)
  const nets = a.networks.length
  const boxW = Math.min(36, (step * 0.8) / nets)
  const shapes: string[] = []
  levels.forEach((l, i) => {
    a.networks.forEach((n, k) => {
      const v = values(n.id, l)
      if (!v.length) return
      const q = quartiles(v)
      const lo = Math.min(...v.filter((u) => u >= q.q1 - 1.5 * q.iqr))
      const hi = Math.max(...v.filter((u) => u <= q.q3 + 1.5 * q.iqr))
      const cx = x(i) + (k - (nets - 1) / 2) * boxW * 1.15
      const c = colour(k)
      const y1 = axis.y(q.q3)
      const y3 = axis.y(q.q1)
      shapes.push(`<g class="box" data-network="${n.id}" data-level="${l}">`)
      shapes.push(`<line x1="${f2(cx)}" x2="${f2(cx)}" y1="${f2(axis.y(hi))}" y2="${f2(y1)}" stroke="${c}"/><line x1="${f2(cx)}" x2="${f2(cx)}" y1="${f2(y3)}" y2="${f2(axis.y(lo))}" stroke="${c}"/>`)
      shapes.push(`<line x1="${f2(cx - boxW / 4)}" x2="${f2(cx + boxW / 4)}" y1="${f2(axis.y(hi))}" y2="${f2(axis.y(hi))}" stroke="${c}"/><line x1="${f2(cx - boxW / 4)}" x2="${f2(cx + boxW / 4)}" y1="${f2(axis.y(lo))}" y2="${f2(axis.y(lo))}" stroke="${c}"/>`)
      shapes.push(
        `<rect x="${f2(cx - boxW / 2)}" y="${f2(y1)}" width="${f2(boxW)}" height="${f2(Math.max(1, y3 - y1))}" fill="${c}" fill-opacity="0.25" stroke="${c}"><title>run ${n.id} at ${esc(formatLevel(perturbation, l))}: median ${num(q.median)}, quartiles ${num(q.q1)} and ${num(q.q3)}, ${v.length} draws</title></rect>`,
      )
      shapes.push(`<line x1="${f2(cx - boxW / 2)}" x2="${f2(cx + boxW / 2)}" y1="${f2(axis.y(q.median))}" y2="${f2(axis.y(q.median))}" stroke="${c}" stroke-width="2"/>`)
      for (const u of v) if (u < lo || u > hi) shapes.push(`<circle cx="${f2(cx)}" cy="${f2(axis.y(u))}" r="2.5" fill="none" stroke="${c}"/>`)
      shapes.push('</g>')
    })
  })
  const yLabel = metric === 'accuracy' ? 'accuracy (true labels)' : 'output MSE'
  return `<figure id="${id}"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-t"><title id="${id}-t">${esc(title)}</title>${axesSvg(axis, levels, x, perturbation, yLabel)}${shapes.join('')}</svg><figcaption>${esc(title)}: boxes from the first to the third quartile with the median; whiskers reach the furthest draw within 1.5 interquartile ranges; dots are draws beyond.</figcaption>${legendHtml(a)}</figure>`
}

export function table(head: string[], rows: string[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`
}

function paramsTable(a: RobustnessAnalysis): string {
  const fields = isJobKindName(a.kind) ? (jobKinds[a.kind].params.info().fields ?? {}) : {}
  const rows = Object.entries(a.params).map(([k, v]) => [esc(fields[k]?.label ?? k), `<code>${esc(Array.isArray(v) ? v.join(', ') : JSON.stringify(v))}</code>`])
  return table(['Parameter', 'Value'], rows, 'kv')
}

function networkName(a: RobustnessAnalysis, id: number): string {
  const n = a.networks.find((x) => x.id === id)
  return n ? `run ${id} <span class="muted">${esc(n.architecture)}${n.variant ? ` ${esc(n.variant)}` : ''}</span>` : `run ${id}`
}

function yieldHtml(a: RobustnessAnalysis): string {
  const y = a.yield
  const perLevel = a.summary.filter((s) => s.yield)
  if (!y && !perLevel.length) return ''
  const head = `<section id="yield"><h2>Chip yield</h2>`
  if (y) {
    return `${head}<p class="yield"><strong>${num(y.yield)}</strong> of virtual chips meet the spec (95 % Clopper-Pearson interval <strong>${num(y.ci95[0])}</strong> to <strong>${num(y.ci95[1])}</strong>): ${y.passed} of ${y.chips} chips at mismatch σ = ${esc(formatLevel('mismatch', a.levels[0]))} reach an accuracy of at least ${num(y.minAccuracy)}.</p></section>`
  }
  return `${head}<p>The share of draws at each level whose accuracy is at least ${num(perLevel[0].yield!.minAccuracy)}, with its 95 % Clopper-Pearson interval.</p>${table(
    ['Network', 'Level', 'Yield', '95 % interval', 'Passed'],
    perLevel.map((s) => [networkName(a, s.network), esc(formatLevel(a.perturbation as PerturbationName, s.level)), num(s.yield!.yield), `${num(s.yield!.ci95[0])} – ${num(s.yield!.ci95[1])}`, `${s.yield!.passed} of ${s.yield!.chips}`]),
  )}</section>`
}

export const css = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5f6b7a; --line: #d5dae1; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); } code { font: 13px ui-monospace, Menlo, Consolas, monospace; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; } th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; } td.sig { font-weight: 700; }
figure { margin: 16px 0; } figcaption { color: var(--muted); font-size: 13px; max-width: 680px; }
svg { max-width: 100%; height: auto; background: #fff; } svg .grid { stroke: #eceff3; } svg .axis { stroke: #8a93a0; } svg text { font: 12px system-ui, sans-serif; fill: var(--ink); } svg .label { font-size: 13px; }
.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; } .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; border-radius: 2px; }
.yield { font-size: 1.1rem; } details summary { cursor: pointer; }
@media print { body { padding: 0; } details { display: block; } }
`

/** How every report starts: the document's head (no script may run: the CSP allows inline style only) and the title. */
export function reportStart(title: string, runId: number, ctx: ReportContext): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Mimic Workbench ${esc(ctx.appVersion)} (${esc(ctx.codeVersion)})">
<title>${esc(title)} · run ${runId}</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
`
}

/** The line naming the code that made the run and the code that made the report. */
export function provenance(runCodeVersion: string, ctx: ReportContext): string {
  return `<p class="muted">Code version of the run: <code>${esc(runCodeVersion)}</code> · report made ${esc(ctx.generatedAt)} by Mimic Workbench ${esc(ctx.appVersion)} (<code>${esc(ctx.codeVersion)}</code>)</p>`
}

/** The analysis as machine-readable JSON inside the report (`<` escaped so it cannot end the script element). */
export function dataBlock(analysis: unknown, ctx: ReportContext): string {
  const data = JSON.stringify({ generatedAt: ctx.generatedAt, codeVersion: ctx.codeVersion, analysis }).replace(/</g, '\\u003c')
  return `<script type="application/json" id="report-data">${data}</script>`
}

/** The whole report: one HTML document with no external reference. */
export function reportHtml(a: RobustnessAnalysis, ctx: ReportContext): string {
  const perturbation = a.perturbation as PerturbationName
  const info = perturbationInfo[perturbation]
  const title = a.kind === 'yield' ? `Chip yield: ${a.name}` : `Robustness: ${a.name}`
  const lv = (l: number): string => esc(formatLevel(perturbation, l))
  const recal = a.params.recalibrateGain === true
  const notes: string[] = [
    `Every trial is one network on one draw of one level, scored on the same ${a.samples} samples: accuracy against the true labels (no decision counts as wrong), agreement with the network's teacher (its unperturbed decisions on the same samples), and the output's MSE against the targets. Each draw has its own initial membrane potentials, drawn from the run's seed; draws are independent between levels and between networks.`,
    info.deterministic
      ? 'Quantisation is deterministic: every draw of a level runs the same quantised network, so the spread over draws comes from the initial membrane potentials alone, and the tests compare initial-state variability, not chips.'
      : `A draw is a frozen ${perturbation === 'mismatch' ? 'virtual chip' : perturbation === 'noise' ? 'noise realisation' : 'set of dead neurons'}: the same run seed, network, level and draw give it again on any machine and thread count. Level 0 runs the network exactly as trained.`,
    recal
      ? `Output-gain recalibration was on: for each network and level a gain on the output was chosen from 151 values between 0.5 and 5.5 by its accuracy on ${esc(a.params.validationSamples)} validation samples (the dataset samples after the scored ones) run on ${esc(a.params.validationDraws)} validation chips that are never scored; each trial's gain is in the table of trials.`
      : 'No recalibration and no rescaling: the networks ran as trained (output-gain recalibration is an option of the run, off here).',
    'P-values are two-sided Mann-Whitney U tests over the draws (scipy’s method "auto": exact for small samples without ties, else the normal approximation with tie and continuity corrections), not corrected for multiple comparisons. Bold: p < 0.05.',
  ]
  const cmp = a.comparisons.map((c) => [networkName(a, c.a), networkName(a, c.b), lv(c.level), c.metric, num(c.medianA), num(c.medianB), `${num(c.u)}`, c.method, `<span class="${c.p < 0.05 ? 'sig' : ''}">${pText(c.p)}</span>`])
  const lcmp = a.levelComparisons.map((c) => [networkName(a, c.network), lv(c.a), lv(c.b), c.metric, num(c.medianA), num(c.medianB), `${num(c.u)}`, c.method, `<span class="${c.p < 0.05 ? 'sig' : ''}">${pText(c.p)}</span>`])
  const sigCell = (rows: string[][]): string[][] => rows.map((r) => r.map((c) => (c.includes('class="sig"') ? `<strong>${c}</strong>` : c)))
  return `${reportStart(title, a.runId, ctx)}<p class="muted">Run ${a.runId} · ${esc(info.label)} at ${a.levels.map(lv).join(', ')} · ${a.networks.length} network${a.networks.length === 1 ? '' : 's'} × ${a.levels.length} level${a.levels.length === 1 ? '' : 's'} × ${a.draws} draws × ${a.samples} samples · made ${esc(a.createdAt)}${a.durationSeconds !== null ? ` in ${num(a.durationSeconds)} s` : ''} on ${esc(a.host)}</p>
${provenance(a.codeVersion, ctx)}
</header>
<section id="parameters"><h2>Parameters</h2>
<p>${esc(info.label)}: level = ${esc(info.level)}. Seed ${esc(a.seed ?? '–')}. Data: ${a.dataset ? `dataset run ${a.dataset.id} “${esc(a.dataset.name)}”, ${a.params.split === 'test' ? `the first ${a.samples} samples of its test split` : `its first ${a.samples} samples`}` : `${a.samples} fresh samples of the network's task drawn from the seed`}.</p>
${paramsTable(a)}
</section>
<section id="networks"><h2>Networks</h2>
${table(
  ['Run', 'Name', 'Architecture', 'Teacher (agreement)', 'Perturbed'],
  a.networks.map((n, i) => [`<span class="swatch" style="background:${colour(i)}"></span>${n.id}`, esc(n.name), `${esc(n.architecture)}${n.variant ? ` (${esc(n.variant)})` : ''}`, n.teacher !== null ? `run ${n.teacher}` : '–', n.perturbed.length ? esc(n.perturbed.join(', ')) : perturbation === 'noise' ? 'membrane potentials (noise per step)' : perturbation === 'death' ? 'neurons (clamped to V = 0)' : 'nothing'],
  ),
)}
</section>
<section id="figures"><h2>Figures</h2>
${curveFigure(a, 'accuracy', 'fig-accuracy', 'Accuracy against level')}
${curveFigure(a, 'mse', 'fig-mse', 'Output MSE against level')}
${boxFigure(a, 'accuracy', 'fig-box-accuracy', 'Accuracy per level')}
${boxFigure(a, 'mse', 'fig-box-mse', 'Output MSE per level')}
</section>
<section id="summary"><h2>Medians and quartiles over the draws</h2>
${table(
  ['Network', 'Level', 'Draws', 'Accuracy median', 'q1', 'q3', 'MSE median', 'q1', 'q3', 'Agreement median', 'q1', 'q3'],
  a.summary.map((s) => [networkName(a, s.network), lv(s.level), String(s.draws), num(s.medianAccuracy), num(s.q1Accuracy), num(s.q3Accuracy), num(s.medianMse), num(s.q1Mse), num(s.q3Mse), num(s.medianAgreement), num(s.q1Agreement), num(s.q3Agreement)]),
)}
</section>
${yieldHtml(a)}
<section id="tests"><h2>Mann-Whitney U tests</h2>
<h3>Between networks, at each level</h3>
${cmp.length ? table(['Network a', 'Network b', 'Level', 'Metric', 'Median a', 'Median b', 'U (a)', 'Method', 'p'], sigCell(cmp), 'pvalues') : '<p class="muted">One network: nothing to compare.</p>'}
<h3>Between levels, for each network</h3>
${lcmp.length ? table(['Network', 'Level a', 'Level b', 'Metric', 'Median a', 'Median b', 'U (a)', 'Method', 'p'], sigCell(lcmp), 'pvalues') : '<p class="muted">One level: nothing to compare.</p>'}
</section>
<section id="notes"><h2>How to read this</h2>
${notes.map((n) => `<p>${n}</p>`).join('\n')}
</section>
<section id="trials"><h2>Trials</h2>
<details><summary>All ${a.rows.length} trials</summary>
${table(
  ['Network', 'Level', 'Draw', 'Accuracy', 'Undecided', 'Agreement', 'MSE', 'MSE vs teacher', 'Rate (Hz)', 'Gain', 'Initial-state seed'],
  a.rows.map((r) => [String(r.network), lv(r.level), String(r.draw), num(r.accuracy), String(r.undecided), num(r.teacherAgreement), num(r.mse), num(r.teacherMse), num(r.meanRateHz), num(r.gain), String(r.initSeed)]),
)}
</details>
</section>
${dataBlock(a, ctx)}
</body>
</html>
`
}
