// What a front door needs to start job workers in its own kind of process (Electron's
// utilityProcess): the worker protocol of the job runner, passed through so that front doors import
// only the services.
export { isFromWorker, type FromWorker, type Spawner, type ToWorker, type WorkerHandle } from '../jobs/protocol.ts'
