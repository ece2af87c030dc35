// Numbered schema migrations. PRAGMA user_version holds the number of the last one applied.
// Append only: never edit a migration that has shipped; add the next number instead.

export interface Migration {
  version: number
  description: string
  sql: string
}

const statuses = `('queued','running','succeeded','failed','cancelled','interrupted')`
const dtypes = `('float32','float64','int32','uint32','int16','uint16','int8','uint8')`

// The network bundles (migration 3, and again 5 for databases that applied 3 while it was an empty
// placeholder): idempotent, so that running it twice changes nothing. The backfill reads sizes from
// the shapes of the runs' artifacts (every meta has channels, outputs, units and dims). Runs made
// before tasks were recorded get no task in their meta: they are read as the registry's default task.
const networksSql = `
      CREATE TABLE IF NOT EXISTS networks (
        run_id          INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        architecture    TEXT NOT NULL,
        format_version  INTEGER NOT NULL,
        meta            TEXT NOT NULL CHECK (json_valid(meta))
      );
      CREATE INDEX IF NOT EXISTS networks_by_architecture ON networks(architecture);
      INSERT OR IGNORE INTO networks (run_id, architecture, format_version, meta)
        SELECT r.id, 'rate', 1, json_object(
            'units', json_extract(a.shape, '$[0]'),
            'channels', json_extract(a.shape, '$[1]'),
            'outputs', json_extract(o.shape, '$[0]'),
            'dims', json_extract(a.shape, '$[0]'),
            'dtMs', coalesce(json_extract(r.params, '$.dtMs'), 1),
            'task', json_extract(r.params, '$.task'),
            'fitted', json_object())
        FROM runs r
        JOIN artifacts a ON a.run_id = r.id AND a.name = 'wIn'
        JOIN artifacts o ON o.run_id = r.id AND o.name = 'wOut'
        WHERE r.kind = 'teacher' AND r.status = 'succeeded'
          AND EXISTS (SELECT 1 FROM artifacts x WHERE x.run_id = r.id AND x.name = 'wRec');
      INSERT OR IGNORE INTO networks (run_id, architecture, format_version, meta)
        SELECT r.id, 'ads', 1, json_object(
            'variant', CASE WHEN json_extract(r.params, '$.ebn') = 0 THEN 'no-ebn' ELSE 'ebn' END,
            'neurons', json_extract(a.shape, '$[0]'),
            'units', json_extract(a.shape, '$[0]'),
            'channels', json_extract(a.shape, '$[1]'),
            'dims', json_extract(d.shape, '$[0]'),
            'outputs', coalesce((SELECT json_extract(x.shape, '$[0]') FROM artifacts x WHERE x.run_id = r.id AND x.name = 'readout'), 0),
            'dtMs', 1,
            'task', (SELECT json_extract(t.params, '$.task') FROM run_lineage l JOIN runs t ON t.id = l.parent_id
                     WHERE l.child_id = r.id AND t.kind = 'teacher' ORDER BY t.id LIMIT 1),
            'fitted', json_object())
        FROM runs r
        JOIN artifacts a ON a.run_id = r.id AND a.name = 'wIn'
        JOIN artifacts d ON d.run_id = r.id AND d.name = 'decoder'
        WHERE r.kind IN ('network', 'ads') AND r.status = 'succeeded'
          AND EXISTS (SELECT 1 FROM artifacts x WHERE x.run_id = r.id AND x.name = 'omegaS');
`

export const migrations: Migration[] = [
  {
    version: 1,
    description: 'projects, runs, lineage, metrics, artifacts, tags, notes',
    sql: `
      CREATE TABLE projects (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind          TEXT NOT NULL,
        name          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ${statuses}),
        params        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
        seed          INTEGER,
        created_at    INTEGER NOT NULL,
        started_at    INTEGER,
        finished_at   INTEGER,
        code_version  TEXT NOT NULL,
        host          TEXT NOT NULL,
        error         TEXT
      );
      CREATE INDEX runs_by_project ON runs(project_id, created_at);
      CREATE INDEX runs_by_status ON runs(status);
      CREATE TABLE run_lineage (
        parent_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        child_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        role       TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (parent_id, child_id),
        CHECK (parent_id <> child_id)
      );
      CREATE INDEX lineage_by_child ON run_lineage(child_id);
      CREATE TABLE metrics (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key     TEXT NOT NULL,
        step    INTEGER NOT NULL,
        value   REAL
      );
      CREATE INDEX metrics_by_run_key ON metrics(run_id, key, step);
      CREATE TABLE artifacts (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        dtype       TEXT NOT NULL CHECK (dtype IN ${dtypes}),
        shape       TEXT NOT NULL CHECK (json_valid(shape)),
        bytes       BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (run_id, name)
      );
      CREATE TABLE tags (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag     TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      );
      CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        body        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      );
      CREATE INDEX notes_by_run ON notes(run_id);
    `,
  },
  {
    version: 2,
    description: 'jobs (progress, owner process, cancel requests) and run summaries',
    sql: `
      ALTER TABLE runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary));
      CREATE TABLE jobs (
        run_id            INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        job_kind          TEXT NOT NULL,
        owner_pid         INTEGER NOT NULL,
        owner_host        TEXT NOT NULL,
        worker_pid        INTEGER,
        fraction          REAL NOT NULL DEFAULT 0,
        eta_seconds       REAL,
        message           TEXT NOT NULL DEFAULT '',
        stage             TEXT,
        updated_at        INTEGER NOT NULL,
        heartbeat_at      INTEGER NOT NULL,
        cancel_requested  INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 3,
    description: 'networks: every trained network is a bundle of one architecture (backfilled for existing teacher, network and ADS runs)',
    sql: networksSql,
  },
  {
    version: 4,
    description: 'long-form results (one item per sample, draw or level, with named values) and job leases of the scheduler',
    sql: `
      CREATE TABLE result_items (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        item          INTEGER NOT NULL CHECK (item >= 0),
        network_id    INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        architecture  TEXT,
        labels        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),
        UNIQUE (run_id, item)
      );
      CREATE INDEX result_items_by_arch ON result_items(architecture);
      CREATE INDEX result_items_by_network ON result_items(network_id);
      CREATE TABLE result_values (
        item_id  INTEGER NOT NULL REFERENCES result_items(id) ON DELETE CASCADE,
        key      TEXT NOT NULL,
        value    REAL,
        PRIMARY KEY (item_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX result_values_by_key ON result_values(key);
      CREATE TABLE job_leases (
        run_id        INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        cores         INTEGER NOT NULL CHECK (cores >= 0),
        device        TEXT UNIQUE,
        owner_pid     INTEGER NOT NULL,
        owner_host    TEXT NOT NULL,
        granted_at    INTEGER NOT NULL,
        heartbeat_at  INTEGER NOT NULL
      );
    `,
  },
  {
    // Migration 3 was an empty placeholder in the code that added migration 4 (the results and the
    // scheduler landed before the network bundles): a database it wrote is at schema 4 without the
    // networks table. This one creates and backfills it there; where migration 3 already did, it
    // changes nothing (IF NOT EXISTS, INSERT OR IGNORE: a bundle saved since is kept as it is).
    version: 5,
    description: 'networks, for databases whose migration 3 was the empty placeholder',
    sql: networksSql,
  },
  {
    version: 6,
    description: 'boards: addresses saved by name, the board emulators running, and who holds each board (issue 14, board link)',
    sql: `
      CREATE TABLE boards (
        name        TEXT PRIMARY KEY COLLATE NOCASE,
        address     TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE board_emulators (
        pid            INTEGER NOT NULL,
        host           TEXT NOT NULL,
        address        TEXT NOT NULL,
        serial_number  TEXT NOT NULL,
        chips          INTEGER NOT NULL,
        started_at     INTEGER NOT NULL,
        heartbeat_at   INTEGER NOT NULL,
        PRIMARY KEY (host, pid)
      );
      CREATE TABLE board_leases (
        address       TEXT PRIMARY KEY,
        holder        TEXT NOT NULL,
        run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        owner_pid     INTEGER NOT NULL,
        owner_host    TEXT NOT NULL,
        acquired_at   INTEGER NOT NULL,
        heartbeat_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    description: 'clusters (SLURM execution places) and sweeps sent to them: tasks of a SLURM array, items merged once',
    sql: `
      CREATE TABLE clusters (
        name        TEXT PRIMARY KEY,
        scheduler   TEXT NOT NULL CHECK (scheduler IN ('slurm')),
        ssh         TEXT,
        partition   TEXT,
        account     TEXT,
        workdir     TEXT NOT NULL,
        checkout    TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE sweeps (
        run_id          INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        cluster         TEXT NOT NULL,
        dir             TEXT NOT NULL,
        job_kind        TEXT NOT NULL,
        items_per_task  INTEGER NOT NULL CHECK (items_per_task >= 1),
        max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
        code_version    TEXT NOT NULL
      );
      CREATE TABLE sweep_tasks (
        sweep_id    INTEGER NOT NULL REFERENCES sweeps(run_id) ON DELETE CASCADE,
        task        INTEGER NOT NULL CHECK (task >= 0),
        slurm_job   TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        state       TEXT NOT NULL CHECK (state IN ('submitted','running','done','failed','cancelled')),
        error       TEXT,
        PRIMARY KEY (sweep_id, task)
      ) WITHOUT ROWID;
      CREATE TABLE sweep_items (
        sweep_id       INTEGER NOT NULL REFERENCES sweeps(run_id) ON DELETE CASCADE,
        item           INTEGER NOT NULL CHECK (item >= 0),
        task           INTEGER NOT NULL,
        params         TEXT NOT NULL CHECK (json_valid(params)),
        merged_run_id  INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        merged_at      INTEGER,
        checksum       TEXT,
        host           TEXT,
        code_version   TEXT,
        PRIMARY KEY (sweep_id, item)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 11,
    description: 'clusters: an ssh configuration file; sweeps: the run their items merge into (a job split into items), the SLURM time limit of a task, and the timeouts of each task',
    sql: `
      ALTER TABLE clusters ADD COLUMN ssh_config TEXT;
      ALTER TABLE sweeps ADD COLUMN merge_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
      ALTER TABLE sweeps ADD COLUMN time_limit TEXT;
      ALTER TABLE sweep_items ADD COLUMN kind TEXT;
      ALTER TABLE sweep_items ADD COLUMN label TEXT;
      ALTER TABLE sweep_items ADD COLUMN inputs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(inputs));
      ALTER TABLE sweep_tasks ADD COLUMN timeouts INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 12,
    description: 'artifact_parts: the bytes of an artifact too large for one SQLite value, in parts (the artifacts row then holds none)',
    // SQLite (as better-sqlite3 builds it) refuses a value above 2^29 bytes. An artifact's bytes are
    // its row's bytes followed by its parts in order; start is the byte offset of a part, so that a
    // range of rows is read from the parts it overlaps.
    sql: `
      CREATE TABLE artifact_parts (
        artifact_id  INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
        part         INTEGER NOT NULL CHECK (part >= 0),
        start        INTEGER NOT NULL CHECK (start >= 0),
        bytes        BLOB NOT NULL,
        PRIMARY KEY (artifact_id, part)
      );
    `,
  },
  {
    version: 13,
    description: 'id_high_water: the highest project and run id ever used, so that an id is never given again after the newest project or run is deleted',
    // SQLite gives a new row max(id) + 1: deleting the newest run and making another gave the new one
    // the deleted one's id (a run's id is how lab notes, links and the CLI name it). The inserts take
    // nextIdSql (store/ids.ts); a delete raises the mark (also one by a project's cascade).
    sql: `
      CREATE TABLE id_high_water (
        tbl  TEXT PRIMARY KEY CHECK (tbl IN ('projects', 'runs')),
        hi   INTEGER NOT NULL
      );
      INSERT INTO id_high_water (tbl, hi) VALUES
        ('projects', (SELECT coalesce(max(id), 0) FROM projects)),
        ('runs', (SELECT coalesce(max(id), 0) FROM runs));
      CREATE TRIGGER projects_high_water AFTER DELETE ON projects BEGIN
        UPDATE id_high_water SET hi = max(hi, OLD.id) WHERE tbl = 'projects';
      END;
      CREATE TRIGGER runs_high_water AFTER DELETE ON runs BEGIN
        UPDATE id_high_water SET hi = max(hi, OLD.id) WHERE tbl = 'runs';
      END;
    `,
  },
]

export const latestVersion = migrations[migrations.length - 1].version
