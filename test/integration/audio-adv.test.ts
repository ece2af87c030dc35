// Folders of recordings as corpora are often kept: files and label folders that are symbolic links
// (git-annex, DataLad, a shared corpus linked in). They were skipped without a word ("imported 1,
// skipped 0" for a folder of 3 files); now they are read, a link back to a folder being read is read
// once, and a link that leads nowhere is refused by name before anything is stored.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'
import { toneWav } from '../support/wav.ts'

afterAll(cleanupTemp)

describe('data import audio --dir with symbolic links', () => {
  it('reads linked files and folders, each folder once, and refuses a broken link by name', () => {
    const root = tempDir()
    const corpus = join(root, 'corpus')
    const shared = join(root, 'shared-negatives')
    mkdirSync(join(corpus, 'positive'), { recursive: true })
    mkdirSync(shared)
    writeFileSync(join(root, 'kept-elsewhere.wav'), toneWav(600))
    writeFileSync(join(corpus, 'positive', 'own.wav'), toneWav(500))
    symlinkSync(join(root, 'kept-elsewhere.wav'), join(corpus, 'positive', 'linked.wav'))
    writeFileSync(join(shared, 'n.wav'), toneWav(300))
    symlinkSync(shared, join(corpus, 'negative'))
    // a link back up: followed, it would never end
    symlinkSync(corpus, join(shared, 'loop'))
    const db = join(root, 'x.db')
    mimicJson(['projects', 'create', 'A'], { db })
    const r = mimicJson(['data', 'import', 'audio', '--project', '1', '--dir', corpus], { db })
    expect(r).toMatchObject({ status: 'succeeded', samples: 3, positive: 2, negative: 1, skipped: 0 })

    symlinkSync(join(root, 'gone.wav'), join(corpus, 'positive', 'broken.wav'))
    const runs = mimicJson<unknown[]>(['runs', 'list'], { db }).length
    const bad = mimic(['--db', db, 'data', 'import', 'audio', '--project', '1', '--dir', corpus])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toMatch(/^mimic: --dir: .*positive\/broken\.wav is a symbolic link to .*gone\.wav, which cannot be read \(ENOENT\): fix or remove the link\.$/)
    expect(mimicJson<unknown[]>(['runs', 'list'], { db })).toHaveLength(runs)
  })
})
