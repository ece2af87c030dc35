// reports.html for a paper reproduction (a comparison run, docs/method.md §15): one self-contained HTML
// file like the robustness report (./report.ts, whose axes, tables and styles it shares): the paper's
// panels (one figure per perturbation, every architecture's median curve with its interquartile band),
// the MSE increases beside the paper's with the order, the medians beside the paper's with the
// p-values, the refusals and the children, and the code version. No script, no request.
import { gainProtocol } from '../shared/jobkinds/reproduce-paper.ts'
import { paperArchitectureLabels, paperPanelMetric, type PaperArchitecture } from '../shared/paper.ts'
import { formatLevel, formatP as pText, perturbationInfo, type PerturbationName } from '../shared/perturbations.ts'
import type { ComparisonAnalysis } from '../shared/types.ts'
import { axesSvg, colour, dataBlock, esc, f2, H, M, num, provenance, reportStart, table, W, yAxis, type ReportContext } from './report.ts'

const label = (a: string): string => paperArchitectureLabels[a as PaperArchitecture] ?? a
const pct = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(Math.round(v))} %`)

function panel(a: ComparisonAnalysis, p: string, id: string): string {
  const perturbation = p as PerturbationName
  const metric = paperPanelMetric[perturbation]
  const levels = a.levels[p] ?? []
  const cells = a.cells.filter((c) => c.perturbation === p)
  const q = metric === 'mse' ? (['q1Mse', 'medianMse', 'q3Mse'] as const) : (['q1Accuracy', 'medianAccuracy', 'q3Accuracy'] as const)
  const axis = yAxis(metric, cells.flatMap((c) => [c[q[0]], c[q[2]]]), M.top, H - M.bottom)
  const step = (W - M.left - M.right) / Math.max(1, levels.length)
  const x = (i: number): number => M.left + step * (i + 0.5)
  const shapes: string[] = []
  a.architectures.forEach((arch, k) => {
    const pts = levels.map((l, i) => ({ i, l, c: cells.find((c) => c.architecture === arch && c.level === l) })).filter((pt): pt is { i: number; l: number; c: NonNullable<typeof pt.c> } => pt.c !== undefined)
    if (!pts.length) return
    const band = [...pts.map((pt) => `${f2(x(pt.i))},${f2(axis.y(pt.c[q[2]]))}`), ...[...pts].reverse().map((pt) => `${f2(x(pt.i))},${f2(axis.y(pt.c[q[0]]))}`)].join(' ')
    shapes.push(`<g class="series" data-architecture="${esc(arch)}"><polygon points="${band}" fill="${colour(k)}" fill-opacity="0.18" stroke="none"/>`)
    shapes.push(`<polyline points="${pts.map((pt) => `${f2(x(pt.i))},${f2(axis.y(pt.c[q[1]]))}`).join(' ')}" fill="none" stroke="${colour(k)}" stroke-width="2"/>`)
    for (const pt of pts) shapes.push(`<circle cx="${f2(x(pt.i))}" cy="${f2(axis.y(pt.c[q[1]]))}" r="3.5" fill="${colour(k)}"><title>${esc(label(arch))} at ${esc(formatLevel(perturbation, pt.l))}: median ${num(pt.c[q[1]])}, IQR ${num(pt.c[q[0]])} to ${num(pt.c[q[2]])} (${pt.c.trials} trials)</title></circle>`)
    shapes.push('</g>')
  })
  const title = `${perturbationInfo[perturbation].label}: ${metric === 'mse' ? 'output MSE' : 'accuracy'}`
  return `<figure id="${id}"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-t"><title id="${id}-t">${esc(title)}</title>${axesSvg(axis, levels, x, perturbation, metric === 'mse' ? 'output MSE' : 'accuracy (true labels)')}${shapes.join('')}</svg><figcaption>${esc(title)}: per architecture the median over every trial of its networks, and the band from the first to the third quartile.</figcaption></figure>`
}

export function comparisonReportHtml(a: ComparisonAnalysis, ctx: ReportContext): string {
  const title = `Paper comparison: ${a.name}`
  const legend = `<ul class="legend">${a.architectures.map((arch, i) => `<li><span class="swatch" style="background:${colour(i)}"></span>${esc(label(arch))}</li>`).join('')}</ul>`
  const inc = a.architectures
    .filter((arch) => a.mseIncrease.some((m) => m.architecture === arch))
    .map((arch) => [esc(label(arch)), ...a.mseIncrease.filter((m) => m.architecture === arch).map((m) => `${pct(m.oursPct)} <span class="muted">(${pct(m.paperPct)}${m.paperQuoted ? '' : '*'})</span>`)])
  const first = a.architectures[0]
  const medians = a.perturbations
    .map((p) => {
      const rows = a.cells
        .filter((c) => c.perturbation === p)
        .map((c) => {
          const t = (m: string) => a.tests.find((x) => x.perturbation === p && x.level === c.level && x.a === first && x.b === c.architecture && x.metric === m)
          const tm = t('mse')
          const ta = t('accuracy')
          return [esc(label(c.architecture)), esc(formatLevel(p as PerturbationName, c.level)), String(c.trials), `${num(c.medianMse)} [${num(c.q1Mse)}, ${num(c.q3Mse)}]`, num(c.paperMse), `${num(c.medianAccuracy)} [${num(c.q1Accuracy)}, ${num(c.q3Accuracy)}]`, num(c.paperAccuracy), tm && ta ? `${pText(tm.p)}, ${pText(ta.p)}` : '–']
        })
      return `<h3>${esc(perturbationInfo[p as PerturbationName].label)}</h3>${table(['Architecture', 'Level', 'Trials', 'MSE median [q1, q3]', 'paper', 'Accuracy median [q1, q3]', 'paper', `p vs ${esc(label(first))} (MSE, accuracy)`], rows)}`
    })
    .join('\n')
  const parts = a.parts.map((x) => [x.part, esc(label(x.architecture)), String(x.index + 1), esc(x.perturbation ?? '–'), x.runId === null ? '–' : `run ${x.runId}`, x.networkRunId === null ? '–' : `run ${x.networkRunId}`, num(x.testAccuracy), `${esc(x.status)}${x.reason ? `: ${esc(x.reason)}` : ''}`])
  return `${reportStart(title, a.runId, ctx)}<p class="muted">Run ${a.runId} · task ${esc(a.task)} · seed ${esc(a.seed ?? '–')} · ${esc(a.params.networks)} networks per architecture, ${esc(a.params.draws)} draws × ${esc(a.params.samples)} samples per level${a.durationSeconds !== null ? ` · ${num(a.durationSeconds)} s` : ''} · ${esc(gainProtocol(a.params))}</p>
${provenance(a.codeVersion, ctx)}
</header>
<section id="figures"><h2>The paper's panels</h2>
${legend}
${a.refused.length ? `<p><strong>Refused</strong> (not run): ${a.refused.map((r) => `${esc(label(r.architecture))} under ${esc(r.perturbation)}`).join('; ')}. ${esc(a.refused[0].reason)}</p>` : ''}
${a.perturbations.map((p, i) => panel(a, p, `fig-${i}`)).join('\n')}
</section>
${inc.length ? `<section id="increase"><h2>Median MSE increase under mismatch, ours (the paper's)</h2>
${table(['Architecture', '5 %', '10 %', '20 %'], inc)}
<p class="muted">Over the median MSE at σ = 0; the paper's on the wake-phrase task, medians over 10 networks (docs/method.md §15)${a.mseIncrease.some((m) => !m.paperQuoted) ? '; * computed from its medians' : ''}.</p>
<ul>${a.ordering.map((o) => `<li>${o.same ? '' : '<strong>'}${esc(o.text)}${o.same ? '' : '</strong>'}</li>`).join('')}</ul>
</section>` : ''}
<section id="medians"><h2>Medians per level, beside the paper's</h2>
${medians}
<p class="muted">Trials of an architecture's networks pooled (networks × draws). p: two-sided Mann-Whitney U over the pooled trials, uncorrected for the number of tests. The paper's accuracies are on the wake-phrase task: compare the shapes and the orders, not the values.</p>
</section>
<section id="parts"><h2>Networks and sweeps</h2>
${table(['Part', 'Architecture', '#', 'Perturbation', 'Run', 'Network', 'Test accuracy', 'Status'], parts)}
</section>
${dataBlock(a, ctx)}
</body>
</html>
`
}
