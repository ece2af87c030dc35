// The speech engine of the offline corpus (src/tts, docs/method.md §2.2): an utterance depends on its
// request only. eSpeak NG seeds the noise of its breathy voice variants from the clock (time(), in
// seconds); two engines, a few seconds apart, must still give the same bytes, or a corpus would not
// be the same for its seed.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SpeechEngine } from '../../src/tts/speech.ts'
import { signalPid } from '../support/daemon.ts'

const hashOf = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

async function speakAll(voices: string[]): Promise<string[]> {
  const engine = new SpeechEngine()
  try {
    const out: string[] = []
    for (const voice of voices) out.push(hashOf(await engine.speak({ voice, wordsPerMinute: 160, pitch: 50, text: 'hey snips' })))
    return out
  } finally {
    engine.close()
  }
}

describe('the speech engine', () => {
  it('gives the same utterance for the same request, in another engine process, seconds later (breathy variants included)', async () => {
    // en-us+f2, f3 and f5 add breath noise; m3 does not
    const voices = ['en-us+f2', 'en-us+f3', 'en-us+f5', 'en-us+m3']
    const first = await speakAll(voices)
    await new Promise((r) => setTimeout(r, 2100))
    const again = await speakAll(voices)
    expect(again).toEqual(first)
    // and a request that differs gives another utterance
    expect((await speakAll(['en-us+f4']))[0]).not.toBe(first[1])
  }, 60_000)

  it('an engine that died, or could not be started, fails its requests with the reason', async () => {
    const request = { voice: 'en-us+m3', wordsPerMinute: 160, pitch: 50, text: 'hey' }
    const engine = new SpeechEngine()
    try {
      await engine.speak(request)
      const pid = Number(spawnSync('pgrep', ['-P', String(process.pid), '-f', 'espeak-engine'], { encoding: 'utf8' }).stdout.trim())
      signalPid(pid, 'SIGKILL')
      // wait without giving the event loop a turn: the next request is written to a dead engine
      while (!/^Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\) /, ''))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
      await expect(engine.speak(request)).rejects.toThrow(/^the speech engine stopped \(killed by SIGKILL\)/)
      await expect(engine.speak(request)).rejects.toThrow(/^the speech engine stopped \(killed by SIGKILL\)/)
    } finally {
      engine.close()
    }
    const node = process.execPath
    let broken: SpeechEngine
    try {
      process.execPath = '/nonexistent/node'
      broken = new SpeechEngine()
    } finally {
      process.execPath = node
    }
    await expect(broken.speak(request)).rejects.toThrow(/^the speech engine stopped \(it could not be started: spawn \/nonexistent\/node ENOENT\)/)
    broken.close()
  })
})
