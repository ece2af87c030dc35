// The job implementations by kind (run in the worker process).
import type { JobKindName } from '../../shared/jobkinds/index.ts'
import type { JobContext, JobResult } from '../context.ts'
import { runEvaluate } from './evaluate.ts'
import { runNetworkCreate } from './network-create.ts'
import { runPipeline } from './pipeline.ts'
import { runSimulate } from './simulate.ts'
import { runTrainAds } from './train-ads.ts'
import { runTrainTeacher } from './train-teacher.ts'
import { runDataGenerate } from './data-generate.ts'

export const jobImplementations: Record<JobKindName, (ctx: JobContext) => Promise<JobResult>> = {
  'data.generate': runDataGenerate,
  'network.create': runNetworkCreate,
  'train.teacher': runTrainTeacher,
  'train.ads': runTrainAds,
  pipeline: runPipeline,
  eval: runEvaluate,
  simulate: runSimulate,
}
