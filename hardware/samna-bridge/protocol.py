"""The board protocol, version 1 (docs/board-protocol.md), in pure Python (standard library only).

Frames (section 3), CRC-32C, and the payload of every message (section 5), encoded and decoded
exactly as the workbench's codec (src/hardware/protocol/) does: test_protocol.py checks the example
frames of section 9 byte for byte.
"""
import struct

PROTOCOL_VERSION = 1
MAGIC = b"MB"
HEADER_BYTES = 16

T = {
    "HELLO": 0x01, "HELLO_ACK": 0x02, "CONFIG_BEGIN": 0x10, "CONFIG_CONNECTIONS": 0x11,
    "CONFIG_COMMIT": 0x12, "CONFIG_DONE": 0x13, "RUN_START": 0x20, "STIM_EVENTS": 0x21,
    "STIM_SAMPLES": 0x22, "STIM_END": 0x23, "SPIKES": 0x30, "RUN_PROGRESS": 0x31, "RUN_DONE": 0x32,
    "RESET": 0x40, "CLOSE": 0x41, "PING": 0x50, "PONG": 0x51, "ACK": 0x7E, "ERROR": 0x7F,
}
NAME = {v: k for k, v in T.items()}
MAX_PAYLOAD = {
    0x01: 69, 0x02: 209, 0x10: 57352, 0x11: 786436, 0x12: 0, 0x13: 16, 0x20: 16, 0x21: 524296,
    0x22: 524304, 0x23: 4, 0x30: 524296, 0x31: 8, 0x32: 16, 0x40: 4, 0x41: 0, 0x50: 4, 0x51: 4,
    0x7E: 4, 0x7F: 1030,
}
ERRORS = {
    "VERSION_MISMATCH": 1, "BAD_FRAME": 2, "CHECKSUM": 3, "UNSUPPORTED": 4, "BUSY": 5,
    "INVALID_CONFIGURATION": 6, "NOT_CONFIGURED": 7, "BAD_STATE": 8, "INVALID_STIMULUS": 9,
    "TIMEOUT": 10, "INTERNAL": 11,
}

_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF."""
    c = crc ^ 0xFFFFFFFF
    t = _TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class ProtocolError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def type_name(t):
    return NAME.get(t, "type 0x%02X" % t)


def encode_frame(mtype, seq, payload=b""):
    if len(payload) > MAX_PAYLOAD.get(mtype, 0):
        raise ProtocolError("BAD_FRAME", "a %s payload of %d bytes is more than the %d allowed" % (type_name(mtype), len(payload), MAX_PAYLOAD.get(mtype, 0)))
    head = MAGIC + struct.pack("<BBII", mtype, 0, seq & 0xFFFFFFFF, len(payload))
    head += struct.pack("<I", crc32c(head))
    return head + bytes(payload) + struct.pack("<I", crc32c(payload) if payload else 0)


def check_header(h):
    """Checks a complete 16-byte header (section 3.1, in its order); returns (type, seq, length)."""
    if h[0:2] != MAGIC:
        raise ProtocolError("BAD_FRAME", "bad magic: a frame starts with 0x4D 0x42 (\"MB\"), received 0x%02X 0x%02X" % (h[0], h[1]))
    want = struct.unpack_from("<I", h, 12)[0]
    got = crc32c(h[0:12])
    if got != want:
        raise ProtocolError("CHECKSUM", "header checksum mismatch: CRC-32C of the header is 0x%08X, the frame says 0x%08X" % (got, want))
    mtype, flags, seq, length = struct.unpack_from("<BBII", h, 2)
    if flags != 0:
        raise ProtocolError("BAD_FRAME", "flags must be 0 in protocol version 1 (received 0x%02X in a %s frame)" % (flags, type_name(mtype)))
    if mtype not in MAX_PAYLOAD:
        raise ProtocolError("UNSUPPORTED", "message type %s is not part of protocol version 1" % type_name(mtype))
    if length > MAX_PAYLOAD[mtype]:
        raise ProtocolError("BAD_FRAME", "a %s frame announces %d payload bytes, more than the %d it may have" % (type_name(mtype), length, MAX_PAYLOAD[mtype]))
    return mtype, seq, length


def check_payload(mtype, seq, payload, trailer):
    want = struct.unpack("<I", trailer)[0]
    got = crc32c(payload) if payload else 0
    if got != want:
        raise ProtocolError("CHECKSUM", "payload checksum mismatch in a %s frame (seq %d, %d bytes): CRC-32C 0x%08X, the frame says 0x%08X" % (type_name(mtype), seq, len(payload), got, want))


def decode_frame(data):
    """Decodes one whole frame (bytes) into (type, seq, payload); raises ProtocolError."""
    if len(data) < HEADER_BYTES + 4:
        raise ProtocolError("BAD_FRAME", "truncated frame: %d bytes" % len(data))
    mtype, seq, length = check_header(data[:HEADER_BYTES])
    if len(data) != HEADER_BYTES + length + 4:
        raise ProtocolError("BAD_FRAME", "a %s frame of %d payload bytes must be %d bytes long (received %d)" % (type_name(mtype), length, HEADER_BYTES + length + 4, len(data)))
    payload = bytes(data[HEADER_BYTES:HEADER_BYTES + length])
    check_payload(mtype, seq, payload, data[HEADER_BYTES + length:])
    return mtype, seq, payload


# ---- payloads -------------------------------------------------------------------------------

def _str8(s):
    b = s.encode("utf-8")
    if len(b) > 64:
        raise ProtocolError("BAD_FRAME", "a str8 is at most 64 bytes (received %d)" % len(b))
    return bytes([len(b)]) + b


def _str16(s):
    b = s.encode("utf-8")[:1024]
    return struct.pack("<H", len(b)) + b


class Reader:
    def __init__(self, mtype, payload):
        self.name = type_name(mtype)
        self.p = payload
        self.o = 0

    def need(self, n, field):
        if self.o + n > len(self.p):
            raise ProtocolError("BAD_FRAME", "a %s payload ends inside %s (%d bytes, %d needed)" % (self.name, field, len(self.p), self.o + n))

    def take(self, fmt, field):
        n = struct.calcsize(fmt)
        self.need(n, field)
        v = struct.unpack_from(fmt, self.p, self.o)
        self.o += n
        return v if len(v) > 1 else v[0]

    def reserved(self, fmt, field):
        v = self.take(fmt, field)
        if v != 0:
            raise ProtocolError("BAD_FRAME", "%s: %s is reserved and must be 0 (received %d)" % (self.name, field, v))

    def str_(self, fmt, field, limit):
        n = self.take(fmt, field + " length")
        if n > limit:
            raise ProtocolError("BAD_FRAME", "%s: %s is %d bytes, more than %d" % (self.name, field, n, limit))
        self.need(n, field)
        raw = self.p[self.o:self.o + n]
        self.o += n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("BAD_FRAME", "%s: %s is not valid UTF-8" % (self.name, field))

    def f32(self, field):
        v = self.take("<f", field)
        if v != v or v in (float("inf"), float("-inf")):
            raise ProtocolError("BAD_FRAME", "%s: %s must be finite (received %r)" % (self.name, field, v))
        return v

    def done(self):
        if self.o != len(self.p):
            raise ProtocolError("BAD_FRAME", "a %s payload has %d bytes, its fields give %d" % (self.name, len(self.p), self.o))


SCHEMES = {1: "se1", 2: "se2"}
SCHEME_IDS = {"se1": 1, "se2": 2}


def decode_message(mtype, payload):
    """The payload of a frame as a dict with 'type' (the message name) and its fields."""
    r = Reader(mtype, payload)
    name = type_name(mtype)
    m = {"type": name}
    if name == "HELLO":
        m["version"] = r.take("<H", "version")
        r.reserved("<H", "reserved")
        m["client"] = r.str_("<B", "client", 64)
    elif name == "HELLO_ACK":
        m["version"], ws, m["chips"], m["coresPerChip"] = r.take("<HBBB", "geometry")
        m["weightScheme"] = SCHEMES.get(ws)
        if m["weightScheme"] is None:
            raise ProtocolError("BAD_FRAME", "HELLO_ACK: weightScheme must be 1 or 2 (received %d)" % ws)
        r.reserved("<B", "reserved")
        m["neuronsPerCore"], m["fanIn"], m["fanOut"], m["inputChannels"] = r.take("<HHHH", "geometry")
        m["model"] = r.str_("<B", "model", 64)
        m["serialNumber"] = r.str_("<B", "serialNumber", 64)
        m["firmware"] = r.str_("<B", "firmware", 64)
    elif name == "CONFIG_BEGIN":
        ws = r.take("<B", "weightScheme")
        m["weightSchemeId"] = ws
        m["weightScheme"] = SCHEMES.get(ws)
        r.reserved("<B", "reserved")
        n = r.take("<H", "cores")
        if n > 1024:
            raise ProtocolError("BAD_FRAME", "CONFIG_BEGIN: cores is %d, at most 1024" % n)
        m["totalConnections"] = r.take("<I", "totalConnections")
        if m["totalConnections"] > 16777216:
            raise ProtocolError("BAD_FRAME", "CONFIG_BEGIN: totalConnections is %d, at most 16777216" % m["totalConnections"])
        cores = []
        for i in range(n):
            f = "core block %d" % i
            chip, core, neurons = r.take("<BBH", f)
            c = {"chip": chip, "core": core, "neurons": neurons}
            for k in ("tauMemMs", "refractoryMs", "threshold", "resetPotential", "bias"):
                c[k] = r.f32("%s %s" % (f, k))
            c["tauSynMs"] = [r.f32("%s tauSynMs[%d]" % (f, j)) for j in range(4)]
            c["baseWeights"] = [r.f32("%s baseWeights[%d]" % (f, j)) for j in range(4)]
            cores.append(c)
        m["cores"] = cores
    elif name == "CONFIG_CONNECTIONS":
        n = r.take("<I", "count")
        if n < 1 or n > 65536:
            raise ProtocolError("BAD_FRAME", "CONFIG_CONNECTIONS: count is %d, it must be 1..65536" % n)
        conns = []
        for i in range(n):
            pre, post, typ, w = r.take("<IIBB", "connection %d" % i)
            r.reserved("<H", "connection %d reserved" % i)
            conns.append((pre, post, typ, w))
        m["connections"] = conns
    elif name in ("CONFIG_COMMIT", "CLOSE"):
        pass
    elif name in ("CONFIG_DONE",):
        m["cores"], m["neurons"], m["connections"], m["camEntries"] = r.take("<IIII", "counts")
    elif name == "RUN_START":
        m["runId"], m["durationUs"], inp, flags, m["analogChannels"], m["samplePeriodUs"] = r.take("<IIBBHI", "run")
        if inp not in (0, 1):
            raise ProtocolError("BAD_FRAME", "RUN_START: input must be 0 (events) or 1 (samples), received %d" % inp)
        if flags & ~1:
            raise ProtocolError("BAD_FRAME", "RUN_START: flags bits 1..7 are reserved and must be 0 (received 0x%02X)" % flags)
        m["input"] = "events" if inp == 0 else "samples"
        m["record"] = bool(flags & 1)
    elif name in ("STIM_EVENTS", "SPIKES"):
        m["runId"], n = r.take("<II", "header")
        if n > 65536:
            raise ProtocolError("BAD_FRAME", "%s: count is %d, at most 65536" % (name, n))
        r.need(8 * n, "the events")
        vals = struct.unpack_from("<%dI" % (2 * n), payload, r.o)
        r.o += 8 * n
        m["times"] = list(vals[0::2])
        m["channels" if name == "STIM_EVENTS" else "neurons"] = list(vals[1::2])
    elif name == "STIM_SAMPLES":
        m["runId"], m["firstSample"], m["channels"] = r.take("<IIH", "header")
        r.reserved("<H", "reserved")
        n = r.take("<I", "sampleCount")
        if n * m["channels"] > 131072:
            raise ProtocolError("BAD_FRAME", "STIM_SAMPLES: sampleCount × channels is %d, at most 131072" % (n * m["channels"]))
        m["values"] = [r.f32("sample value %d" % i) for i in range(n * m["channels"])]
    elif name == "STIM_END":
        m["runId"] = r.take("<I", "runId")
    elif name == "RUN_PROGRESS":
        m["runId"], m["timeUs"] = r.take("<II", "progress")
    elif name == "RUN_DONE":
        m["runId"], m["durationUs"], m["spikes"], m["inputEvents"] = r.take("<IIII", "run")
    elif name == "RESET":
        flags = r.take("<B", "flags")
        if flags & ~1:
            raise ProtocolError("BAD_FRAME", "RESET: flags bits 1..7 are reserved and must be 0 (received 0x%02X)" % flags)
        m["clearConfiguration"] = bool(flags & 1)
        for _ in range(3):
            r.reserved("<B", "reserved")
    elif name in ("PING", "PONG"):
        m["nonce"] = r.take("<I", "nonce")
    elif name == "ACK":
        m["acked"] = r.take("<B", "acked")
        for _ in range(3):
            r.reserved("<B", "reserved")
    elif name == "ERROR":
        m["code"], m["about"] = r.take("<HB", "code")
        r.reserved("<B", "reserved")
        m["message"] = r.str_("<H", "message", 1024)
    r.done()
    return m


def encode_payload(m):
    name = m["type"]
    if name == "HELLO":
        return struct.pack("<HH", m["version"], 0) + _str8(m["client"])
    if name == "HELLO_ACK":
        return (struct.pack("<HBBBBHHHH", m["version"], SCHEME_IDS[m["weightScheme"]], m["chips"], m["coresPerChip"], 0,
                            m["neuronsPerCore"], m["fanIn"], m["fanOut"], m["inputChannels"])
                + _str8(m["model"]) + _str8(m["serialNumber"]) + _str8(m["firmware"]))
    if name == "CONFIG_BEGIN":
        out = struct.pack("<BBHI", SCHEME_IDS[m["weightScheme"]], 0, len(m["cores"]), m["totalConnections"])
        for c in m["cores"]:
            out += struct.pack("<BBH5f4f4f", c["chip"], c["core"], c["neurons"], c["tauMemMs"], c["refractoryMs"], c["threshold"],
                               c["resetPotential"], c["bias"], *c["tauSynMs"], *c["baseWeights"])
        return out
    if name == "CONFIG_CONNECTIONS":
        return struct.pack("<I", len(m["connections"])) + b"".join(struct.pack("<IIBBH", p, q, t, w, 0) for p, q, t, w in m["connections"])
    if name in ("CONFIG_COMMIT", "CLOSE"):
        return b""
    if name == "CONFIG_DONE":
        return struct.pack("<IIII", m["cores"], m["neurons"], m["connections"], m["camEntries"])
    if name == "RUN_START":
        return struct.pack("<IIBBHI", m["runId"], m["durationUs"], 0 if m["input"] == "events" else 1, 1 if m["record"] else 0,
                           m["analogChannels"], m["samplePeriodUs"])
    if name in ("STIM_EVENTS", "SPIKES"):
        second = m["channels" if name == "STIM_EVENTS" else "neurons"]
        flat = [v for pair in zip(m["times"], second) for v in pair]
        return struct.pack("<II", m["runId"], len(m["times"])) + struct.pack("<%dI" % len(flat), *flat)
    if name == "STIM_SAMPLES":
        vals = m["values"]
        return struct.pack("<IIHHI", m["runId"], m["firstSample"], m["channels"], 0, len(vals) // m["channels"]) + struct.pack("<%df" % len(vals), *vals)
    if name == "STIM_END":
        return struct.pack("<I", m["runId"])
    if name == "RUN_PROGRESS":
        return struct.pack("<II", m["runId"], m["timeUs"])
    if name == "RUN_DONE":
        return struct.pack("<IIII", m["runId"], m["durationUs"], m["spikes"], m["inputEvents"])
    if name == "RESET":
        return struct.pack("<BBBB", 1 if m["clearConfiguration"] else 0, 0, 0, 0)
    if name in ("PING", "PONG"):
        return struct.pack("<I", m["nonce"])
    if name == "ACK":
        return struct.pack("<BBBB", m["acked"], 0, 0, 0)
    if name == "ERROR":
        return struct.pack("<HBB", m["code"], m["about"], 0) + _str16(m["message"])
    raise ValueError("unknown message %r" % name)


def encode_message(m, seq):
    return encode_frame(T[m["type"]], seq, encode_payload(m))
