// The Node side of every task, by name: the compiler refuses a task of src/shared/tasks without one.
import type { TaskName } from '../../shared/tasks/index.ts'
import type { TaskImpl } from './task.ts'
import { xorTaskImpl } from './xor.ts'

export const taskImpls: Record<TaskName, TaskImpl> = {
  xor: xorTaskImpl,
}

export type { TaskImpl } from './task.ts'
