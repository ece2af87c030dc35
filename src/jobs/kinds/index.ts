// The job implementations by kind (run in the worker process).
import type { JobKind } from '../../shared/jobs.ts'
import type { JobContext, JobResult } from '../context.ts'
import { runEvaluate } from './evaluate.ts'
import { runNetworkCreate } from './network-create.ts'
import { runPipelineXor } from './pipeline-xor.ts'
import { runSimulate } from './simulate.ts'
import { runTrainAds } from './train-ads.ts'
import { runTrainTeacher } from './train-teacher.ts'
import { runXorDataset } from './xor-dataset.ts'

export const jobImplementations: Record<JobKind, (ctx: JobContext) => Promise<JobResult>> = {
  'data.xor': runXorDataset,
  'network.create': runNetworkCreate,
  'train.teacher': runTrainTeacher,
  'train.ads': runTrainAds,
  'pipeline.xor': runPipelineXor,
  eval: runEvaluate,
  simulate: runSimulate,
}
