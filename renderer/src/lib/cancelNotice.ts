// What the page says about a cancelled run: who stopped it and when, where it was (the last
// progress the job reported), and what was kept. A cancel is not a failure: this is a notice, not
// an error. Pure: reads only the run detail.
import type { RunDetail } from '../../../src/shared/types.ts'
import { inSentence, stagesOf } from './jobKindUi.ts'

export interface CancelNotice {
  /** "by you", "before it started", or "with its pipeline" (then `pipeline` is set) */
  who: string
  pipeline: { id: number; name: string } | null
  /** "at 16:35:02" (with the date when it is not today) */
  when: string
  /** ", in epoch 4 of 80 of the teacher stage" or ", while simulating 10 samples (37 %)" or "" */
  where: string
  /** "Kept: ..." */
  kept: string
}

const pad = (n: number): string => String(n).padStart(2, '0')

function whenOf(iso: string | null, now: Date): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const time = `at ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate()
  return sameDay ? time : `${time} on ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

export function cancelNotice(run: RunDetail, now = new Date()): CancelNotice {
  const owner = run.parents.find((p) => p.role === 'pipeline')
  const cancelledWithPipeline = !!owner && /with its pipeline/.test(run.error ?? '')
  const who = cancelledWithPipeline ? 'with its pipeline' : /before it started/.test(run.error ?? '') ? 'before it started' : 'by you'

  // the stages of its job kind (a pipeline's), named as its spec names them
  const stages = stagesOf(run)
  const stageOfProgress = (name: string | null | undefined): string | undefined => {
    const st = stages.find((x) => x.name === name)
    return st ? inSentence(st.title) : undefined
  }
  const stageOfRun = (runKind: string): string => {
    const st = stages.find((x) => x.runKind === runKind)
    return st ? inSentence(st.title) : runKind
  }

  const p = run.progress
  const message = p?.message.trim() ?? ''
  const epoch = /epoch (\d+) of (\d+)/.exec(message)
  const stage = stageOfProgress(p?.stage)
  let where = ''
  if (epoch) where = `, in epoch ${epoch[1]} of ${epoch[2]}${stage ? ` of the ${stage} stage` : ''}`
  else if (message && who !== 'before it started') where = `, while ${stage ? `the ${stage} stage was ` : ''}${message.replace(/\.$/, '')} (${Math.round((p?.fraction ?? 0) * 100)} %)`

  // What stays: finished stages, the metrics of finished epochs, stored artifacts.
  const kept: string[] = []
  const finishedStages = run.children.filter((c) => c.role === 'pipeline' && c.status === 'succeeded')
  if (finishedStages.length) {
    kept.push(`the finished stage${finishedStages.length > 1 ? 's' : ''} ${list(finishedStages.map((c) => `${stageOfRun(c.kind)} (#${c.id})`))}`)
  }
  const epochsDone = epoch ? Number(epoch[1]) - 1 : 0
  const trained = stageOfProgress(p?.stage)
  if (epochsDone > 0) kept.push(`the metrics of the ${epochsDone === 1 ? 'epoch' : `${epochsDone} epochs`} ${trained ? `the ${trained}` : 'it'} finished`)
  else if (run.metricKeys.length) kept.push('the metrics it recorded before the cancel')
  if (run.artifacts.length) kept.push(`${run.artifacts.length} artifact${run.artifacts.length > 1 ? 's' : ''}`)

  return {
    who,
    pipeline: cancelledWithPipeline && owner ? { id: owner.id, name: owner.name } : null,
    when: whenOf(run.finishedAt, now),
    where,
    kept: kept.length ? `Kept: ${list(kept)}.` : 'Nothing was stored but its parameters.',
  }
}
