"""Everything that touches SynSense's Samna library and the DYNAP-SE2 board: the only module of the
bridge that imports `samna`, and it does so inside open_board(), so the bridge runs (and answers
every board command with a clear error) where Samna is not installed.

UNTESTED AGAINST HARDWARE: no DYNAP-SE2 board (nor Samna) was available where this was written. The
Samna names used here (samna.device.get_unopened_devices / open_device, the board's get_model,
get_configuration / apply_configuration, grid_bus_write_events, read_events, get_fpga_time,
samna.dynapse2.NormalGridEvent / Dynapse2Destination / Dynapse2Parameter / Dendrite) follow Samna's
documentation for DYNAP-SE2; check them against the Samna version you install. The translation of a
core's nominal parameters into bias currents (see README.md) is a first-order estimate, not a
calibration.

Addressing on the chip (1 chip, 4 cores x 256 neurons, SE2):
- a neuron of protocol address a (= core*256 + neuron) sends its spikes with tag a; an input channel
  c is sent by the FPGA with tag 1024 + c (so 1024 input channels, tags 1024..2047);
- a connection (pre, post, type, mask) is one CAM entry (synapse) of `post`: tag of pre, dendrite of
  the synapse type, weight = the 4-bit mask over the core's four base weights;
- a neuron that has targets gets one SRAM destination on its own chip whose core mask holds every
  core it reaches.
"""

NEURONS_PER_CORE = 256
CORES = 4
INPUT_TAG_BASE = 1024
INPUT_CHANNELS = 1024
SAMNA_DEVICE_NAMES = ("DYNAP-SE2 DevBoard", "DYNAP-SE2 Stack")

# first-order subthreshold estimates used to turn time constants and weights into bias currents
U_T = 0.025          # thermal voltage, V
KAPPA = 0.7          # subthreshold slope factor
C_MEM = 3.2e-12      # membrane capacitance, F (nominal)
C_SYN = 2.5e-12      # synapse capacitance, F (nominal)
I_UNIT = 1e-9        # current of one membrane unit (threshold, bias, weights), A
# coarse ranges of the DYNAP-SE2 bias generator (largest current of each coarse value, A), fine 0..255
COARSE_MAX = (7e-11, 5.5e-10, 4.4e-9, 3.5e-8, 2.8e-7, 2.2e-6)


class DriverUnavailable(Exception):
    """Samna is missing or no board is attached: the message says which and what to do."""


def _bias(current_a):
    """(coarse, fine) of the bias generator nearest to a current, clamped to its range."""
    current_a = max(0.0, current_a)
    for coarse, top in enumerate(COARSE_MAX):
        if current_a <= top:
            return coarse, max(0, min(255, round(current_a / top * 255)))
    return len(COARSE_MAX) - 1, 255


def core_biases(c):
    """The bias currents (name -> (coarse, fine)) of one core's nominal parameters (protocol core block)."""
    def tau_current(tau_ms, cap):
        return cap * U_T / (KAPPA * tau_ms * 1e-3)

    b = {
        "SOIF_LEAK_N": _bias(tau_current(c["tauMemMs"], C_MEM)),
        "SOIF_REFR_N": _bias(C_MEM * U_T / (KAPPA * max(c["refractoryMs"], 1e-3) * 1e-3)),
        "SOIF_SPKTHR_P": _bias(c["threshold"] * I_UNIT),
        "SOIF_DC_P": _bias(max(0.0, c["bias"]) * I_UNIT),
        "DEAM_ETAU_P": _bias(tau_current(c["tauSynMs"][0], C_SYN)),
        "DENM_ETAU_P": _bias(tau_current(c["tauSynMs"][1], C_SYN)),
        "DEGA_ITAU_P": _bias(tau_current(c["tauSynMs"][2], C_SYN)),
        "DESC_ITAU_P": _bias(tau_current(c["tauSynMs"][3], C_SYN)),
    }
    for i, w in enumerate(c["baseWeights"]):
        b["SYAM_W%d_P" % i] = _bias(w * I_UNIT)
    return b


def open_board():
    """Opens the first DYNAP-SE2 board Samna finds; raises DriverUnavailable with the reason."""
    try:
        import samna  # noqa: F401  (lazy: only here)
        import samna.dynapse2  # noqa: F401
    except ImportError:
        raise DriverUnavailable("Samna is not installed: pip install samna")
    try:
        infos = [d for d in samna.device.get_unopened_devices() if getattr(d, "device_type_name", "") in SAMNA_DEVICE_NAMES]
    except Exception as e:  # a Samna failure is reported, not raised through the bridge
        raise DriverUnavailable("Samna could not list devices: %s" % e)
    if not infos:
        raise DriverUnavailable("no DYNAP-SE2 board found (Samna lists no DYNAP-SE2 device; check the USB cable, power and permissions)")
    try:
        return Board(samna, infos[0])
    except Exception as e:
        raise DriverUnavailable("the DYNAP-SE2 board %s could not be opened: %s" % (getattr(infos[0], "serial_number", "?"), e))


class Board:
    def __init__(self, samna, info):
        self.samna = samna
        self.se2 = samna.dynapse2
        self.dev = samna.device.open_device(info)
        self.model = self.dev.get_model()
        self.serial_number = str(getattr(info, "serial_number", "") or "unknown")
        self.samna_version = str(getattr(samna, "__version__", "?"))
        self.t0 = 0

    def apply(self, cores, connections):
        """Writes a validated configuration (protocol core blocks and (pre, post, type, mask) tuples)."""
        se2 = self.se2
        cfg = self.model.get_configuration()
        chip = cfg.chips[0]
        dendrites = (se2.Dendrite.ampa, se2.Dendrite.nmda, se2.Dendrite.gaba, se2.Dendrite.shunt)
        for c in cores:
            params = chip.cores[c["core"]].parameters
            for name, (coarse, fine) in core_biases(c).items():
                params[name] = se2.Dynapse2Parameter(coarse, fine)
        incoming = {}
        targets = {}
        for pre, post, typ, mask in connections:
            incoming.setdefault(post, []).append((pre, typ, mask))
            if not pre & 0x80000000:
                targets.setdefault(pre, set()).add(post // NEURONS_PER_CORE)
        for core in range(CORES):
            for n in range(NEURONS_PER_CORE):
                neuron = chip.cores[core].neurons[n]
                address = core * NEURONS_PER_CORE + n
                syns = incoming.get(address, [])
                for i, syn in enumerate(neuron.synapses):
                    if i < len(syns):
                        pre, typ, mask = syns[i]
                        syn.tag = INPUT_TAG_BASE + (pre & 0x7FFFFFFF) if pre & 0x80000000 else pre
                        syn.dendrite = dendrites[typ]
                        syn.weight = [bool(mask >> b & 1) for b in range(4)]
                    else:
                        syn.dendrite = se2.Dendrite.none
                        syn.weight = [False] * 4
                dest = neuron.destinations[0]
                reach = targets.get(address, set())
                dest.core = [k in reach for k in range(CORES)]
                dest.x_hop = 0
                dest.y_hop = 0
                dest.tag = address
        self.model.apply_configuration(cfg)

    def now_us(self):
        return int(self.dev.get_fpga_time()) - self.t0

    def start_run(self):
        self.dev.read_events()  # drop what the chip produced before the run
        self.t0 = int(self.dev.get_fpga_time())

    def send_events(self, times_us, channels):
        ev = []
        for t, c in zip(times_us, channels):
            e = self.se2.NormalGridEvent()
            e.event = self.se2.Dynapse2Destination()
            e.event.core = [True] * CORES
            e.event.x_hop = 0
            e.event.y_hop = 0
            e.event.tag = INPUT_TAG_BASE + c
            e.timestamp = self.t0 + t
            ev.append(e)
        if ev:
            self.dev.grid_bus_write_events(ev)

    def poll_spikes(self):
        """Spikes recorded since the last call: (time since the run's start in µs, neuron address)."""
        out = []
        for e in self.dev.read_events():
            tag = getattr(getattr(e, "event", None), "tag", None)
            if tag is None or tag >= INPUT_TAG_BASE:
                continue
            out.append((int(e.timestamp) - self.t0, int(tag)))
        out.sort()
        return out

    def reset(self, clear_configuration):
        """Brings neurons and synapses to rest; with clear_configuration, also forgets the configuration."""
        cfg = self.model.get_configuration()
        if clear_configuration:
            self.apply([], [])
        else:
            self.model.apply_configuration(cfg)
        self.dev.read_events()

    def close(self):
        try:
            self.samna.device.close_device(self.dev)
        except Exception:
            pass
