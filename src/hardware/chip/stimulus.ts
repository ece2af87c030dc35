// The stimulus of a chip run as it arrives from the link: input events (times in µs, ascending) and
// analog samples, in chunks. Both chips (the reference chip and the native emulator behind
// src/services/native-chip.ts) consume it step by step in time order.

export class StimulusBuffer {
  private evTimes: Uint32Array[] = []
  private evChannels: Uint32Array[] = []
  private evPos = 0
  private sampleChunks: Float32Array[] = []
  private sampleChunkFirst: number[] = []
  /** analog samples (frames of all channels) received so far */
  samplesReceived = 0

  private readonly analogChannels: number

  constructor(analogChannels: number) {
    this.analogChannels = analogChannels
  }

  events(timesUs: Uint32Array, channels: Uint32Array): void {
    if (timesUs.length === 0) return
    this.evTimes.push(timesUs)
    this.evChannels.push(channels)
  }

  samples(values: Float32Array, channels: number): void {
    if (values.length === 0) return
    this.sampleChunks.push(values)
    this.sampleChunkFirst.push(this.samplesReceived)
    this.samplesReceived += values.length / channels
  }

  /** Takes the events before `endUs` (all earlier ones were taken before), in order, and gives their channels. */
  takeEventsBefore(endUs: number, visit: (channel: number) => void): void {
    while (this.evTimes.length) {
      const times = this.evTimes[0]
      if (this.evPos >= times.length) {
        this.evTimes.shift()
        this.evChannels.shift()
        this.evPos = 0
        continue
      }
      if (times[this.evPos] >= endUs) break
      visit(this.evChannels[0][this.evPos])
      this.evPos++
    }
  }

  /** The analog frame of sample `index`, or null when it has not arrived; indices only grow. */
  sampleAt(index: number): Float32Array | null {
    // chunks are consumed in order: drop the ones before `index`
    while (this.sampleChunks.length > 1 && this.sampleChunkFirst[1] <= index) {
      this.sampleChunks.shift()
      this.sampleChunkFirst.shift()
    }
    if (!this.sampleChunks.length) return null
    const c = this.analogChannels
    const at = (index - this.sampleChunkFirst[0]) * c
    if (at < 0 || at >= this.sampleChunks[0].length) return null
    return this.sampleChunks[0].subarray(at, at + c)
  }
}
