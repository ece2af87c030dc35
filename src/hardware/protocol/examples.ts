// One example of every message of protocol version 1: the frames printed in docs/board-protocol.md
// (sequence number = position + 1) and checked byte for byte by test/unit/board-protocol.test.ts.
// `node src/hardware/protocol/examples.ts` prints them in hex.
import { encodeMessage, toHex } from './frame.ts'
import { messageTypeName, MessageType, type Message } from './messages.ts'

export const exampleMessages: Message[] = [
  { type: 'HELLO', version: 1, client: 'mimic' },
  {
    type: 'HELLO_ACK',
    version: 1,
    weightScheme: 'se2',
    chips: 1,
    coresPerChip: 4,
    neuronsPerCore: 256,
    fanIn: 64,
    fanOut: 4,
    inputChannels: 256,
    model: 'emu',
    serialNumber: 'SN1',
    firmware: '1',
  },
  {
    type: 'CONFIG_BEGIN',
    weightScheme: 'se2',
    totalConnections: 2,
    cores: [{ chip: 0, core: 0, neurons: 2, tauMemMs: 20, refractoryMs: 2, threshold: 1, resetPotential: 0, bias: 0, tauSynMs: [5, 100, 5, 100], baseWeights: [0.5, 1, 2, 4] }],
  },
  { type: 'CONFIG_CONNECTIONS', pre: Uint32Array.of(0x8000_0000, 0), post: Uint32Array.of(0, 1), types: Uint8Array.of(0, 2), weights: Uint8Array.of(15, 3) },
  { type: 'CONFIG_COMMIT' },
  { type: 'CONFIG_DONE', cores: 1, neurons: 2, connections: 2, camEntries: 2 },
  { type: 'RUN_START', runId: 7, durationUs: 100_000, input: 'events', record: true, analogChannels: 0, samplePeriodUs: 0 },
  { type: 'STIM_EVENTS', runId: 7, timesUs: Uint32Array.of(1000, 1500), channels: Uint32Array.of(0, 0) },
  { type: 'STIM_SAMPLES', runId: 8, firstSample: 0, channels: 1, values: Float32Array.of(0.5, 1) },
  { type: 'STIM_END', runId: 7 },
  { type: 'SPIKES', runId: 7, timesUs: Uint32Array.of(2100), neurons: Uint32Array.of(0) },
  { type: 'RUN_PROGRESS', runId: 7, timeUs: 50_000 },
  { type: 'RUN_DONE', runId: 7, durationUs: 100_000, spikes: 1, inputEvents: 2 },
  { type: 'RESET', clearConfiguration: false },
  { type: 'CLOSE' },
  { type: 'PING', nonce: 42 },
  { type: 'PONG', nonce: 42 },
  { type: 'ACK', acked: MessageType.RESET },
  { type: 'ERROR', code: 1, about: MessageType.HELLO, message: 'version 2 not supported' },
]

if (import.meta.main) {
  for (const [i, m] of exampleMessages.entries()) {
    process.stdout.write(`${messageTypeName(MessageType[m.type])} (seq ${i + 1}):\n${toHex(encodeMessage(m, i + 1))}\n\n`)
  }
}
