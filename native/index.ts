// The native addon's public surface: the runtime (loading, status, memory budget, errors) and the
// wrappers of each binding area. This file only re-exports; the wrappers import ./runtime.ts, never
// this file, so that nothing here forms an import cycle.
export * from './runtime.ts'
export * from './api/tasks/index.ts'
export * from './api/tasks/xor.ts'
export * from './api/tasks/wake-phrase.ts'
export * from './api/snn.ts'
export * from './api/teacher.ts'
export * from './api/ads.ts'
export * from './api/perturb.ts'
export * from './api/audio.ts'
export * from './api/baseline.ts'
export * from './api/chip.ts'
