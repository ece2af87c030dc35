// A project as plain data, for moving it between databases (`mimic projects export` / `import`,
// src/formats/bundle.ts writes it as a .mimic file). Ids are the source database's: an import gives
// everything new ids and maps the links (lineage, results' networks) through them.

export const bundleFormat = 'mimic-project-bundle'
/** The bundle format this version writes and the newest it reads. */
export const bundleFormatVersion = 1

export interface SnapshotRun {
  id: number
  kind: string
  name: string
  status: string
  params: string
  seed: number | null
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  codeVersion: string
  host: string
  error: string | null
  summary: string
  /** the job kind that made it (null for imports) */
  jobKind: string | null
  /** its last progress message and stage, kept for the run page */
  progress: { fraction: number; message: string; stage: string | null } | null
  tags: string[]
  notes: { body: string; createdAt: number }[]
  /** the run's bundle row when it is a network */
  network: { architecture: string; formatVersion: number; meta: string } | null
}

export interface SnapshotArtifact {
  runId: number
  name: string
  dtype: string
  shape: number[]
  createdAt: number
  /** the stored bytes, exactly */
  bytes: Uint8Array
}

export interface SnapshotResultItem {
  runId: number
  item: number
  /** null when the network was not in the project */
  networkId: number | null
  architecture: string | null
  labels: string
  values: [string, number | null][]
}

export interface ProjectSnapshot {
  project: { name: string; createdAt: number }
  runs: SnapshotRun[]
  lineage: { parentId: number; childId: number; role: string }[]
  /** links to parents outside the project: kept in the bundle for the record, not restored */
  externalLineage: { parentId: number; childId: number; role: string }[]
  metrics: { runId: number; key: string; steps: number[]; values: (number | null)[] }[]
  artifacts: SnapshotArtifact[]
  results: SnapshotResultItem[]
}

/** What an import did. */
export interface ProjectImport {
  projectId: number
  name: string
  runs: number
  artifacts: number
  metricPoints: number
  resultItems: number
  /** source run id -> new run id */
  idMap: Record<string, number>
  /** lineage links to runs outside the exported project, which could not be restored */
  droppedLinks: number
}

/**
 * A run sent to a cluster as an input of a sweep's items (a network and its teacher, a dataset): its
 * record, network row, artifacts (bytes in base64) and links to its parents. Ids are the sending
 * database's and stay the same on the node, where the seeds of a robustness trial depend on them.
 */
export interface ShippedRun {
  run: SnapshotRun
  parents: { id: number; role: string }[]
  artifacts: { name: string; dtype: string; shape: number[]; createdAt: number; base64: string }[]
}
