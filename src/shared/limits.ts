// The sizes the workbench accepts, each defined once. The schemas of the job parameters, the API
// contract, the command line and the benchmarks read them here; the native addon has its own copy
// of the network limits (kMaxNeurons, kMaxUnits in native/binding/args.hpp), reported by its info()
// and checked against these by test/unit/limits.test.ts.

/** Spiking neurons N of a network: created, trained (network ADS), simulated by `mimic bench`. */
export const maxNeurons = 8192

/** Rate units of a teacher; also the dimensions D a network decodes (they are the teacher's units). */
export const maxTeacherUnits = 1024

/** Input channels of a network or a teacher. */
export const maxChannels = 256

/** Threads a job may ask for (0: the cores the scheduler grants it). */
export const maxThreads = 256

/** Largest dataset an import accepts by default: all arrays of the file together, inflated (bytes). */
export const defaultMaxDatasetBytes = 512 * 1024 * 1024

/** The most --max-dataset-mb raises it to, and the largest dataset file a front door passes on (bytes). */
export const maxDatasetLimitBytes = 4 * 2 ** 30

/** Names, tags and notes of projects and runs (characters). */
export const nameMax = 100
export const tagMax = 40
export const noteMax = 10_000

/** The most work one `bench.simulator` call may do: neurons × steps × batch (about two minutes at 10⁹ neuron-steps/s). */
export const maxBenchNeuronSteps = 1e11

/**
 * The most multiply-adds one `bench.ads` or `bench.teacher` call may do (about two minutes at a few
 * 10⁹ per second; bench.teacher's `seconds` per round come on top): bench.ads counts neurons × dims × steps for each
 * pass (repeats training and forward passes and one split pass), bench.teacher units² × batch × 1000
 * steps × 16 (the first call of each of its 8 rounds: 4 BPTT calls of 3 products, 4 forward passes).
 */
export const maxBenchMultiplyAdds = 5e11

/** Rows a `results.query` returns at most (the command line and the UI page through more with filters). */
export const maxResultRows = 100_000

/** Most runs one `runs.export` returns (a lab's project holds about 10⁴). */
export const maxExportRuns = 100_000

/** The largest project bundle read (all members together, inflated): a zip without zip64 holds under 4 GiB. */
export const maxBundleBytes = 4 * 2 ** 30
