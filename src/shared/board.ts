// Boards and chips of the DYNAP-SE class as every layer sees them: a board's geometry (what the
// handshake of the board protocol reports), a deployed configuration (what `configure` sends), and
// what `mimic board list` / `board info` print. Pure types and checks; the wire format is in
// src/hardware/protocol and docs/board-protocol.md.

/** How an integer weight is realised: SE1 repeats a connection (count 1..fanIn), SE2 sets a 4-bit mask over four per-core base weights. */
export type WeightScheme = 'se1' | 'se2'

export const weightSchemes: readonly WeightScheme[] = ['se1', 'se2']

/** The serial number of the emulator's virtual chip when a run names none. */
export const defaultSerialNumber = 'EMU-0001'

/**
 * The four synapse types of a DYNAP-SE neuron, in protocol order (type id = index). The sign of a
 * synapse comes from its type: 0 fast excitatory (AMPA), 1 slow excitatory (NMDA), 2 fast inhibitory
 * (GABA_A), 3 slow inhibitory (GABA_B).
 */
export const synapseTypes = ['ampa', 'nmda', 'gaba-a', 'gaba-b'] as const
export type SynapseType = (typeof synapseTypes)[number]
export const synapseSigns: readonly number[] = [1, 1, -1, -1]

export interface BoardGeometry {
  chips: number
  coresPerChip: number
  neuronsPerCore: number
  /** CAM entries per neuron: how many (pre, type) inputs a neuron takes (SE1: counting repeats) */
  fanIn: number
  /** SRAM destinations per neuron: how many distinct (chip, core) targets one neuron reaches */
  fanOut: number
  weightScheme: WeightScheme
  /** input channels the board's stimulus (spike generators, analog inputs) can drive */
  inputChannels: number
}

/** What the handshake tells about a board. */
export interface BoardHandshake extends BoardGeometry {
  protocolVersion: number
  model: string
  serialNumber: string
  /** the board's firmware, bridge or emulator version string */
  firmware: string
}

/**
 * The time step of the emulated chip (`mimic board emulate --step-us`, the in-process emulator targets),
 * µs. A deployed configuration means a continuous-time network (time constants in ms, efficacies per
 * event, analog input in events per ms): the emulator approximates it in steps of this length, a real
 * board in continuous time (docs/method.md §14).
 */
export const defaultChipStepUs = 100

/** Nominal parameters shared by every neuron of one core (biases on the chip). */
export interface CoreParameters {
  tauMemMs: number
  refractoryMs: number
  /** spike threshold, membrane units (rest = 0) */
  threshold: number
  /** potential after a spike, membrane units */
  resetPotential: number
  /** a constant input current to every neuron of the core, membrane units */
  bias: number
  /** synapse time constants per type (ampa, nmda, gaba-a, gaba-b), ms */
  tauSynMs: [number, number, number, number]
  /**
   * SE1: the base weight of each synapse type (a connection of count c adds c × w[type]);
   * SE2: the four base weights selected by the bits of a connection's mask (mask bit b adds w[b]).
   * Membrane units, non-negative: the sign comes from the synapse type.
   */
  baseWeights: [number, number, number, number]
}

export interface CoreConfiguration {
  chip: number
  core: number
  /** neurons 0..neurons-1 of the core are used */
  neurons: number
  params: CoreParameters
}

/** The address of an input channel as a connection's source: bit 31 set, the channel in the low bits. */
export const inputAddressBit = 0x8000_0000

/** The source address of input channel c (an unsigned 32-bit number: not `inputAddressBit | c`, which JavaScript makes negative). */
export function inputAddress(channel: number): number {
  return inputAddressBit + channel
}

export interface Connection {
  /** source: a neuron address (chip·cores·neurons + core·neurons + neuron) or inputAddressBit | channel */
  pre: number
  /** target neuron address */
  post: number
  /** 0..3, see synapseTypes */
  type: number
  /** SE1: the number of repeated connections (1..fanIn); SE2: the 4-bit mask (1..15) */
  weight: number
}

/** A network placed on a board: what `configure` sends. */
export interface DeployedConfiguration {
  weightScheme: WeightScheme
  cores: CoreConfiguration[]
  connections: Connection[]
}

/** A spike recorded from a board: µs since the start of the run and a neuron address. */
export interface SpikeEvent {
  timeUs: number
  neuron: number
}

export function neuronAddress(g: Pick<BoardGeometry, 'coresPerChip' | 'neuronsPerCore'>, chip: number, core: number, neuron: number): number {
  return (chip * g.coresPerChip + core) * g.neuronsPerCore + neuron
}

export function splitAddress(g: Pick<BoardGeometry, 'coresPerChip' | 'neuronsPerCore'>, address: number): { chip: number; core: number; neuron: number } {
  const neuron = address % g.neuronsPerCore
  const coreIndex = Math.floor(address / g.neuronsPerCore)
  return { chip: Math.floor(coreIndex / g.coresPerChip), core: coreIndex % g.coresPerChip, neuron }
}

/** A board the user saved under a name (`mimic board add NAME ADDRESS`). */
export interface SavedBoard {
  name: string
  address: string
  createdAt: string
}

/** A `mimic board emulate` process that registered itself in the database. */
export interface RunningEmulator {
  pid: number
  host: string
  address: string
  serialNumber: string
  chips: number
  startedAt: string
}

export interface SerialPortInfo {
  path: string
  manufacturer: string | null
  serialNumber: string | null
  vendorId: string | null
  productId: string | null
}

/** A USB device whose vendor/product ids are those of a DYNAP-SE board (or its FPGA module). */
export interface UsbBoardDevice {
  /** the sysfs name, e.g. 1-2.3 */
  sysName: string
  vendorId: string
  productId: string
  /** what the ids say the device is */
  kind: string
  manufacturer: string | null
  product: string | null
  serialNumber: string | null
  /** its /dev/bus/usb node, if it has one */
  devNode: string | null
  usable: boolean
  /** why it is not usable and what to do (e.g. permissions of its /dev node), else null */
  diagnosis: string | null
}

/** Who holds a board: one user at a time across every process on the database. */
export interface BoardLease {
  address: string
  /** in words: "the hardware panel of mimic serve", "run 12 (hil)" */
  holder: string
  runId: number | null
  pid: number
  host: string
  acquiredAt: string
}

export interface BoardList {
  saved: SavedBoard[]
  /** the boards held now (a lease whose process is gone is dropped first) */
  leases: BoardLease[]
  /** the boards this front door holds open (connected in the hardware panel), with their handshakes */
  connected: (BoardHandshake & { address: string })[]
  /** the address of the emulator this front door started (boards.emulate), if it runs */
  emulatorHere: string | null
  emulators: RunningEmulator[]
  serialPorts: SerialPortInfo[]
  usb: UsbBoardDevice[]
  /** a source that could not be read (e.g. no serial port support), with the reason */
  problems: string[]
  /**
   * the lease key (the `address` of a lease) of every address listed above (saved boards, emulators,
   * serial ports as `serial:PATH`, boards connected here): one board however its address is written
   * (tcp://localhost:7777 and tcp://127.0.0.1:7777; a /dev/serial/by-id link and its tty; any baud rate)
   */
  leaseKeys: Record<string, string>
}

/** The board an address (written as listed in `list`) names: its lease key, or the address itself when unlisted. */
export function leaseKeyOf(list: Pick<BoardList, 'leaseKeys'>, address: string): string {
  return Object.hasOwn(list.leaseKeys, address) ? list.leaseKeys[address] : address
}

/** Who holds the board at `address` (written as listed in `list`), if anyone. */
export function leaseOfBoard(list: Pick<BoardList, 'leases' | 'leaseKeys'>, address: string): BoardLease | undefined {
  const key = leaseKeyOf(list, address)
  return list.leases.find((l) => l.address === key)
}

/** A lease in words for a person: "in use by run 12 (hil), pid 4711 on lab-3". */
export function leaseInWords(l: BoardLease): string {
  return `in use by ${l.holder}${l.runId !== null && !l.holder.includes(`run ${l.runId}`) ? ` (run ${l.runId})` : ''}, pid ${l.pid} on ${l.host}`
}

/**
 * The names of the execution targets a job's `target` may give (the registry's, src/plugins/targets):
 * never a saved board's name, which could not be told from the target.
 */
export const executionTargetNames: readonly string[] = ['simulator', 'mapped', 'mapped-se1', 'emulator', 'emulator-se1']
