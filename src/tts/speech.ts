// Speech synthesis for the offline corpus (docs/method.md §2.2): a client of the eSpeak NG engine,
// which runs as a separate process (./espeak-engine.ts), one per client, requests in order.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface SpeechRequest {
  /** an eSpeak NG voice: accent, optionally "+variant" (e.g. "en-gb-scotland+m3") */
  voice: string
  wordsPerMinute: number
  /** 0 to 99 */
  pitch: number
  text: string
}

const enginePath = fileURLToPath(new URL('./espeak-engine.ts', import.meta.url))

export class SpeechEngine {
  private child: ChildProcessWithoutNullStreams
  private waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>()
  private next = 1
  private exited: Error | null = null

  constructor() {
    this.child = spawn(process.execPath, [enginePath], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    this.child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { id: number; wav?: string; error?: string }
      const w = this.waiting.get(m.id)
      if (!w) return
      this.waiting.delete(m.id)
      if (m.wav !== undefined) w.resolve(Buffer.from(m.wav, 'base64'))
      else w.reject(new Error(`speech synthesis failed: ${m.error}`))
    })
    const stopped = (why: string): void => {
      this.exited ??= new Error(`the speech engine stopped (${why})${stderr ? `: ${stderr.trim()}` : ''}`)
      for (const w of this.waiting.values()) w.reject(this.exited)
      this.waiting.clear()
    }
    this.child.on('exit', (code, signal) => stopped(signal ? `killed by ${signal}` : `exit code ${code}`))
    // An engine that could not be started says so here, and a request written in the moment after the
    // engine died fails with EPIPE on its stdin (its 'exit' follows and rejects the request): without
    // these listeners either 'error' would end this whole process instead of the requests failing with
    // the reason.
    this.child.on('error', (err) => stopped(`it could not be started: ${err.message}`))
    this.child.stdin.on('error', () => {})
  }

  /** The WAV bytes of one utterance. */
  speak(r: SpeechRequest): Promise<Uint8Array> {
    if (this.exited) return Promise.reject(this.exited)
    const id = this.next++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.child.stdin.write(JSON.stringify({ id, ...r }) + '\n')
    })
  }

  close(): void {
    this.child.stdin.end()
    this.child.kill()
  }
}
