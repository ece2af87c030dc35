// The offline speech engine, run as a separate process (docs/method.md §2.2): eSpeak NG compiled to
// WebAssembly (npm package `espeak-ng`, GPL-3.0-or-later, pinned). The workbench does not link it: it
// starts this program and talks to it over stdin/stdout, one JSON object per line:
//   in:  {"id": 1, "voice": "en-gb+m3", "wordsPerMinute": 160, "pitch": 50, "text": "hey snips"}
//   out: {"id": 1, "wav": "<base64 WAV bytes>"}   or   {"id": 1, "error": "..."}
import { createInterface } from 'node:readline'
// @ts-expect-error the package ships no types
import ESpeakNg from 'espeak-ng'

interface Request {
  id: number
  voice: string
  wordsPerMinute: number
  pitch: number
  text: string
}

// eSpeak NG seeds its random source (the breathy voice variants' noise) from the clock: a fixed clock
// in this process makes an utterance depend on its request only, so a corpus is the same for its seed.
Date.now = () => 0

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  let r: Request
  try {
    r = JSON.parse(line) as Request
  } catch {
    process.stdout.write(JSON.stringify({ id: -1, error: 'a request must be one JSON object per line' }) + '\n')
    continue
  }
  try {
    const errors: string[] = []
    const es = (await ESpeakNg({
      arguments: ['-w', 'out.wav', '-v', r.voice, '-s', String(Math.round(r.wordsPerMinute)), '-p', String(Math.round(r.pitch)), '--', r.text],
      print: () => {},
      printErr: (e: string) => errors.push(e),
    })) as { FS: { readFile(path: string): Uint8Array } }
    const wav = es.FS.readFile('out.wav')
    process.stdout.write(JSON.stringify({ id: r.id, wav: Buffer.from(wav).toString('base64') }) + '\n')
  } catch (err) {
    process.stdout.write(JSON.stringify({ id: r.id, error: (err as Error).message ?? String(err) }) + '\n')
  }
}
