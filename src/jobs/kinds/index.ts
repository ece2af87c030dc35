// The job implementations by kind (prechecks run in the services, `run` in the worker process). The
// compiler refuses a kind of src/shared/jobkinds without one. One import and one entry per kind.
import type { JobKindName } from '../../shared/jobkinds/index.ts'
import { dataGenerate } from './data-generate.ts'
import { dataImportAudio } from './data-import-audio.ts'
import { deploy } from './deploy.ts'
import { evaluation } from './eval.ts'
import { finetune } from './finetune.ts'
import { hil } from './hil.ts'
import type { JobImpl } from './kind.ts'
import { networkCreate } from './network-create.ts'
import { pipeline } from './pipeline.ts'
import { reproducePaperJob } from './reproduce-paper.ts'
import { robustness } from './robustness.ts'
import { simulate } from './simulate.ts'
import { trainAds } from './train-ads.ts'
import { trainTeacher } from './train-teacher.ts'
import { chipYield } from './yield.ts'
import { trainBpttSnnJob, trainForceJob, trainReservoirJob } from './train-baselines.ts'

export const jobImplementations: Record<JobKindName, JobImpl> = {
  'data.generate': dataGenerate,
  'data.import-audio': dataImportAudio,
  'network.create': networkCreate,
  'train.teacher': trainTeacher,
  'train.ads': trainAds,
  'train.reservoir': trainReservoirJob,
  'train.force': trainForceJob,
  'train.bptt-snn': trainBpttSnnJob,
  pipeline: pipeline,
  'reproduce.paper': reproducePaperJob,
  eval: evaluation,
  simulate: simulate,
  robustness: robustness,
  yield: chipYield,
  deploy: deploy,
  hil: hil,
  finetune: finetune,
}

export type { JobImpl } from './kind.ts'
