// How the renderer picks what to draw from the shared registries, without naming a task, an
// architecture or a job kind: the run view of a run (its job kind's spec, old stored kind names, a
// pipeline's stages, imports), and how the network a run holds is named.
import { describe, expect, it } from 'vitest'
import { architectureDescriptors, architectureNames } from '../../src/shared/architectures/index.ts'
import { jobKindNames, jobKinds, type JobKindSpec } from '../../src/shared/jobkinds/index.ts'
import { againKind, againRefusal, inSentence, runViewOf, stagesOf } from '../../renderer/src/lib/jobKindUi.ts'
import { networkText } from '../../renderer/src/lib/network.ts'

describe('run views', () => {
  it("a run made by a job kind gets its spec's view", () => {
    for (const kind of jobKindNames) expect(runViewOf({ jobKind: kind, kind: jobKinds[kind].runKind }), kind).toBe(jobKinds[kind].view)
  })

  it('job kinds stored under their old names get the view of the kind that replaced them', () => {
    expect(runViewOf({ jobKind: 'data.xor', kind: 'dataset' })).toBe(jobKinds['data.generate'].view)
    expect(runViewOf({ jobKind: 'pipeline.xor', kind: 'pipeline' })).toBe(jobKinds.pipeline.view)
  })

  it("a pipeline's stage gets the view of the kind that makes runs of its kind", () => {
    for (const kind of jobKindNames) {
      const runKind = jobKinds[kind].runKind
      expect(runViewOf({ jobKind: `stage:${runKind}`, kind: runKind }), runKind).toBe(jobKinds[jobKindNames.find((k) => jobKinds[k].runKind === runKind)!].view)
    }
  })

  it('an imported run (no job) gets the view of its run kind; a kind no job makes gets none', () => {
    expect(runViewOf({ jobKind: null, kind: jobKinds['data.generate'].runKind })).toBe(jobKinds['data.generate'].view)
    expect(runViewOf({ jobKind: null, kind: 'something-else' })).toBeNull()
    expect(runViewOf({ jobKind: 'stage:something-else', kind: 'something-else' })).toBeNull()
  })
})

describe('stages', () => {
  it("a run's stages are its job kind's, each a kind of run some job kind makes", () => {
    const withStages = jobKindNames.filter((k) => ((jobKinds[k] as JobKindSpec).stages ?? []).length > 0)
    expect(withStages.length).toBeGreaterThan(0)
    for (const kind of withStages) {
      const spec: JobKindSpec = jobKinds[kind]
      expect(stagesOf({ jobKind: kind, kind: spec.runKind })).toEqual(spec.stages)
      // read from the run kind too, for runs whose job kind was not recorded
      expect(stagesOf({ jobKind: null, kind: spec.runKind })).toEqual(spec.stages)
      for (const st of spec.stages!) expect(jobKindNames.some((k) => jobKinds[k].runKind === st.runKind), st.runKind).toBe(true)
    }
    // a stage's own run has none
    const stage = (jobKinds[withStages[0]] as JobKindSpec).stages![0]
    expect(stagesOf({ jobKind: `stage:${stage.runKind}`, kind: stage.runKind })).toEqual([])
  })

  it('a run that cannot be run again says why: imported, a stage of its pipeline (named), or a kind this version lacks', () => {
    // the pipeline's ADS stage: two job kinds make runs of its kind, so the stage alone has no form
    expect(againKind({ jobKind: 'stage:ads', kind: 'ads' })).toBeNull()
    const pipeline = { id: 7, name: 'xor seed 1', role: 'pipeline' }
    expect(againRefusal({ name: 'network ADS', jobKind: 'stage:ads', parents: [{ id: 6, name: 'teacher', role: 'teacher' }, pipeline] })).toBe(
      '“network ADS” is a stage of pipeline run “xor seed 1” (#7) and was made with that pipeline\'s parameters: run the pipeline again from its page.',
    )
    expect(againRefusal({ name: 'n', jobKind: 'stage:ads', parents: [] })).toContain('is a stage of a pipeline')
    expect(againRefusal({ name: 'n', jobKind: null, parents: [pipeline] })).toBe('“n” was not made by a job (it was imported), so it cannot be run again.')
    expect(againRefusal({ name: 'n', jobKind: 'train.gone', parents: [] })).toBe('“n” was made by the job kind “train.gone”, which this version of the workbench does not offer, so it cannot be run again.')
  })

  it('titles read inside a sentence keep their acronyms', () => {
    expect(inSentence('Network ADS')).toBe('network ADS')
    expect(inSentence('Test set')).toBe('test set')
  })
})

describe('networks', () => {
  it("names a network by its architecture's label and variant", () => {
    for (const name of architectureNames) {
      const a = architectureDescriptors[name]
      expect(networkText({ architecture: name, variant: null })).toBe(a.label)
      for (const v of 'variants' in a ? a.variants : []) expect(networkText({ architecture: name, variant: v.name })).toBe(`${a.label} · ${v.label}`)
    }
    expect(networkText({ architecture: 'unknown-arch', variant: null })).toBe('unknown-arch')
  })
})
