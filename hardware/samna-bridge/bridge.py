#!/usr/bin/env python3
"""A bridge from the workbench's board protocol (docs/board-protocol.md, version 1) to a DYNAP-SE2
board driven through SynSense's Samna library.

    python3 bridge.py --listen 127.0.0.1:7000 --serial-number X
    python3 bridge.py --serial /dev/ttyUSB0 [--baud 921600]      (needs pyserial)

The protocol side (protocol.py, this file) uses the standard library only. The board side is
samna_driver.py, imported when the bridge looks for a board. Without Samna or without a board the
bridge still answers HELLO (with the serial number given by --serial-number) and refuses every board
command with an ERROR frame (code INTERNAL) that says why, keeping the session. The first line on
stdout is the address it listens on (tcp://HOST:PORT or serial:PATH).
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protocol import (ERRORS, HEADER_BYTES, MAGIC, PROTOCOL_VERSION, T, ProtocolError, check_header, check_payload,  # noqa: E402
                      decode_message, encode_message, type_name)

BRIDGE_VERSION = "samna-bridge 1"
MODEL = "DYNAP-SE2 via Samna"
GEOMETRY = {"weightScheme": "se2", "chips": 1, "coresPerChip": 4, "neuronsPerCore": 256, "fanIn": 64, "fanOut": 4, "inputChannels": 1024}
FRAME_TIMEOUT_S = 0.5
HELLO_TIMEOUT_S = 5.0
BUSY_WAIT_S = 0.25  # how long a new TCP connection waits for the previous client's session to end
RUN_IDLE_TIMEOUT_S = 30.0
KEEP_ALIVE_S = 0.2
BOARD_COMMANDS = {"CONFIG_BEGIN", "CONFIG_CONNECTIONS", "CONFIG_COMMIT", "RUN_START", "STIM_EVENTS", "STIM_SAMPLES", "STIM_END", "RESET"}
BOARD_ONLY = {"HELLO_ACK", "CONFIG_DONE", "SPIKES", "RUN_PROGRESS", "RUN_DONE", "ACK"}


class Refusal(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def fit8(s):
    """s cut to the 64 UTF-8 bytes a str8 holds (at a character boundary)."""
    return s.encode("utf-8")[:64].decode("utf-8", "ignore")


class BoardHolder:
    """The board behind the bridge (opened through samna_driver), or why there is none."""

    def __init__(self, serial_number, log):
        self.given_serial = serial_number
        self.log = log
        self.board = None
        self.reason = None
        self.lock = threading.Lock()

    def probe(self):
        if self.board is not None:
            return self.board
        try:
            import samna_driver  # lazy: the protocol side never needs Samna
            self.board = samna_driver.open_board()
            self.reason = None
            self.log("board %s opened through Samna %s" % (self.board.serial_number, self.board.samna_version))
        except Exception as e:  # DriverUnavailable, or a failure of Samna itself
            self.reason = str(e)
        return self.board

    @property
    def serial_number(self):
        if self.board is not None:
            return fit8(self.board.serial_number)
        return fit8(self.given_serial or "")

    @property
    def firmware(self):
        if self.board is not None:
            return fit8("%s, samna %s" % (BRIDGE_VERSION, self.board.samna_version))
        if self.reason and self.reason.startswith("Samna is not installed"):
            return "%s, Samna not installed" % BRIDGE_VERSION
        return "%s, no board" % BRIDGE_VERSION


def validate(begin, connections, g):
    """The checks of docs/board-protocol.md §7, in order; raises Refusal INVALID_CONFIGURATION."""
    bad = lambda msg: Refusal("INVALID_CONFIGURATION", msg)  # noqa: E731
    if begin["weightScheme"] != g["weightScheme"]:
        raise bad("weightScheme %s is not this board's (%s)" % (begin["weightScheme"] or begin.get("weightSchemeId"), g["weightScheme"]))
    seen = {}
    for i, c in enumerate(begin["cores"]):
        where = "core block %d (chip %d core %d)" % (i, c["chip"], c["core"])
        if c["chip"] >= g["chips"]:
            raise bad("%s: chip %d is beyond the board's %d chip(s)" % (where, c["chip"], g["chips"]))
        if c["core"] >= g["coresPerChip"]:
            raise bad("%s: core %d is beyond the %d cores per chip" % (where, c["core"], g["coresPerChip"]))
        key = (c["chip"], c["core"])
        if key in seen:
            raise bad("%s: the core is configured twice (also block %d)" % (where, seen[key]))
        seen[key] = i
        if not 1 <= c["neurons"] <= g["neuronsPerCore"]:
            raise bad("%s: neurons is %d, it must be 1..%d" % (where, c["neurons"], g["neuronsPerCore"]))
        if not c["tauMemMs"] > 0:
            raise bad("%s: tauMemMs is %g, it must be > 0" % (where, c["tauMemMs"]))
        if not c["refractoryMs"] >= 0:
            raise bad("%s: refractoryMs is %g, it must be >= 0" % (where, c["refractoryMs"]))
        for k, v in enumerate(c["tauSynMs"]):
            if not v > 0:
                raise bad("%s: tauSynMs[%d] is %g, it must be > 0" % (where, k, v))
        for k, v in enumerate(c["baseWeights"]):
            if not v >= 0:
                raise bad("%s: baseWeights[%d] is %g, it must be >= 0" % (where, k, v))
        if not c["resetPotential"] < c["threshold"]:
            raise bad("%s: resetPotential %g must be below threshold %g" % (where, c["resetPotential"], c["threshold"]))
    if len(connections) != begin["totalConnections"]:
        raise bad("CONFIG_BEGIN announced %d connections, %d arrived" % (begin["totalConnections"], len(connections)))
    npc, cpc = g["neuronsPerCore"], g["coresPerChip"]
    used = {(c["chip"] * cpc + c["core"]): c["neurons"] for c in begin["cores"]}

    def is_neuron(a):
        return a < 0x80000000 and used.get(a // npc, 0) > a % npc

    fan_in = {}
    fan_out = {}
    for i, (pre, post, typ, w) in enumerate(connections):
        if not is_neuron(post):
            raise bad("connection %d: post %d is not a neuron of a configured core" % (i, post))
        if pre & 0x80000000:
            if pre & 0x7FFFFFFF >= g["inputChannels"]:
                raise bad("connection %d: input channel %d is beyond the board's %d" % (i, pre & 0x7FFFFFFF, g["inputChannels"]))
        elif not is_neuron(pre):
            raise bad("connection %d: pre %d is not a neuron of a configured core" % (i, pre))
        if typ > 3:
            raise bad("connection %d: synapse type %d, it must be 0..3" % (i, typ))
        if not 1 <= w <= 15:
            raise bad("connection %d: weight mask %d, it must be 1..15 (SE2)" % (i, w))
        fan_in[post] = fan_in.get(post, 0) + 1
        if fan_in[post] > g["fanIn"]:
            raise bad("connection %d: neuron %d receives more than %d connections (fan-in)" % (i, post, g["fanIn"]))
        if not pre & 0x80000000:
            cores = fan_out.setdefault(pre, set())
            cores.add(post // npc)
            if len(cores) > g["fanOut"]:
                raise bad("connection %d: neuron %d reaches more than %d cores (fan-out)" % (i, pre, g["fanOut"]))
    return {"cores": len(begin["cores"]), "neurons": sum(c["neurons"] for c in begin["cores"]),
            "connections": len(connections), "camEntries": len(connections)}


class Session:
    """The board side of one link: TCP connection (strict) or serial line (resynchronising)."""

    def __init__(self, link, holder, log, serial):
        self.link = link
        self.holder = holder
        self.log = log
        self.serial = serial
        self.buf = bytearray()
        self.hunting = False
        self.send_lock = threading.Lock()
        self.state = "hello"
        self.pending = None
        self.configured = None
        self.run = None
        self.closed = False
        self.last_sent = time.monotonic()

    # ---- sending -----------------------------------------------------------------------------
    def send(self, m, seq):
        data = encode_message(m, seq)
        with self.send_lock:
            if self.closed:
                return
            try:
                self.link.write(data)
                self.last_sent = time.monotonic()
            except OSError:
                self.closed = True

    def error(self, code, message, seq=0, about=0):
        self.log("error %s: %s" % (code, message))
        self.send({"type": "ERROR", "code": ERRORS[code], "about": about, "message": message}, seq)

    def fatal(self, code, message, seq=0, about=0):
        """A frame-level error: TCP closes; a serial line drops the session (§3.2)."""
        self.error(code, message, seq, about)
        self.end_run()
        self.pending = None
        self.state = "hello"
        if not self.serial:
            self.closed = True

    # ---- receiving ---------------------------------------------------------------------------
    def serve(self):
        opened = time.monotonic()
        last_byte = opened
        while not self.closed:
            try:
                chunk = self.link.read(0.05)
            except OSError:
                break
            now = time.monotonic()
            if chunk is None:  # the peer closed
                break
            if chunk:
                last_byte = now
                self.buf += chunk
                self.extract()
                continue
            if self.buf and now - last_byte > FRAME_TIMEOUT_S:
                text = "incomplete frame: %d bytes arrived, then nothing for %d ms" % (len(self.buf), (now - last_byte) * 1000)
                self.fatal("TIMEOUT", text)
                if self.serial:  # read the partial frame's bytes after its first one again
                    del self.buf[0]
                    self.hunting = True
                    self.extract()
                else:
                    self.buf.clear()
                continue
            if not self.serial and self.state == "hello" and now - opened > HELLO_TIMEOUT_S:
                self.fatal("TIMEOUT", "no HELLO within %d ms of the connection" % (HELLO_TIMEOUT_S * 1000))
                continue
            self.tick(now)
        self.end_run()
        self.closed = True

    def extract(self):
        while self.buf and not self.closed:
            b = self.buf
            try:
                if b[0] != MAGIC[0] or (len(b) > 1 and b[1] != MAGIC[1]):
                    raise ProtocolError("BAD_FRAME", "bad magic: a frame starts with 0x4D 0x42 (\"MB\"), received 0x%s" % bytes(b[:2]).hex(" ").upper().replace(" ", " 0x"))
                if len(b) < HEADER_BYTES:
                    return
                mtype, seq, length = check_header(bytes(b[:HEADER_BYTES]))
                end = HEADER_BYTES + length + 4
                if len(b) < end:
                    return
                payload = bytes(b[HEADER_BYTES:HEADER_BYTES + length])
                check_payload(mtype, seq, payload, bytes(b[end - 4:end]))
            except ProtocolError as e:
                if not self.serial:
                    self.buf.clear()
                    self.fatal(e.code, e.message)
                    return
                if not self.hunting:
                    self.fatal(e.code, e.message)
                self.hunting = True
                del self.buf[0]  # resynchronise: the next magic whose header check matches
                continue
            del self.buf[:end]
            self.hunting = False
            self.frame(mtype, seq, payload)

    def frame(self, mtype, seq, payload):
        try:
            m = decode_message(mtype, payload)
        except ProtocolError as e:
            self.fatal(e.code, e.message, seq, mtype)
            return
        try:
            self.handle(m, seq, mtype)
        except Refusal as r:
            self.error(r.code, r.message, seq, mtype)
        except ProtocolError as e:
            self.fatal(e.code, e.message, seq, mtype)
        except Exception as e:  # the board or Samna failed: say so, keep the session
            self.error("INTERNAL", "the DYNAP-SE2 board (through Samna) failed: %s" % e, seq, mtype)

    # ---- the session -------------------------------------------------------------------------
    def handle(self, m, seq, mtype):
        name = m["type"]
        if name == "HELLO":
            self.end_run()
            self.pending = None
            if m["version"] != PROTOCOL_VERSION:
                self.error("VERSION_MISMATCH", "protocol version %d is not supported: this bridge speaks version %d" % (m["version"], PROTOCOL_VERSION), seq, mtype)
                self.state = "hello"
                if not self.serial:
                    self.closed = True
                return
            self.log("HELLO from %s" % m["client"])
            self.holder.probe()
            self.send(dict(GEOMETRY, type="HELLO_ACK", version=PROTOCOL_VERSION, model=MODEL,
                           serialNumber=self.holder.serial_number, firmware=self.holder.firmware), seq)
            self.state = "ready"
            return
        if self.state != "ready":
            raise Refusal("BAD_STATE", "the first frame of a session must be HELLO (received %s)" % name)
        if name == "PING":
            self.send({"type": "PONG", "nonce": m["nonce"]}, seq)
            return
        if name in ("PONG", "ERROR"):
            if name == "ERROR":
                self.log("the client reports error %d: %s" % (m["code"], m["message"]))
            return
        if name == "CLOSE":
            self.end_run()
            self.send({"type": "ACK", "acked": mtype}, seq)
            self.state = "hello"
            if not self.serial:
                self.closed = True
            return
        if name in BOARD_ONLY:
            raise Refusal("BAD_STATE", "%s is sent by a board, not by a client" % name)
        board = self.holder.probe()
        if board is None:
            raise Refusal("INTERNAL", "%s refused: %s (the bridge answers the handshake, but it has no board to drive)" % (name, self.holder.reason))
        with self.holder.lock:
            getattr(self, "on_" + name.lower())(m, seq, mtype, board)

    def on_config_begin(self, m, seq, mtype, board):
        self.pending = {"begin": m, "connections": []}
        self.send({"type": "ACK", "acked": mtype}, seq)

    def on_config_connections(self, m, seq, mtype, board):
        if self.pending is None:
            raise Refusal("BAD_STATE", "CONFIG_CONNECTIONS before CONFIG_BEGIN")
        self.pending["connections"].extend(m["connections"])
        self.send({"type": "ACK", "acked": mtype}, seq)

    def on_config_commit(self, m, seq, mtype, board):
        if self.pending is None:
            raise Refusal("BAD_STATE", "CONFIG_COMMIT before CONFIG_BEGIN")
        p, self.pending = self.pending, None
        self.configured = None
        summary = validate(p["begin"], p["connections"], GEOMETRY)
        board.apply(p["begin"]["cores"], p["connections"])
        self.configured = summary
        self.send(dict(summary, type="CONFIG_DONE"), seq)

    def on_run_start(self, m, seq, mtype, board):
        if self.configured is None:
            raise Refusal("NOT_CONFIGURED", "RUN_START before a valid configuration: configure the board first")
        if self.run is not None:
            raise Refusal("BAD_STATE", "run %d is in progress: a second run cannot start" % self.run["runId"])
        if m["input"] != "events":
            raise Refusal("UNSUPPORTED", "analog input samples are not supported by the DYNAP-SE2 bridge: send input events")
        if m["analogChannels"] != 0 or m["samplePeriodUs"] != 0:
            raise ProtocolError("BAD_FRAME", "RUN_START: analogChannels and samplePeriodUs must be 0 for an event input")
        if m["durationUs"] < 1:
            raise Refusal("INVALID_STIMULUS", "durationUs must be at least 1")
        board.start_run()
        run = {"runId": m["runId"], "durationUs": m["durationUs"], "record": m["record"], "lastTime": 0, "inputEvents": 0,
               "spikes": 0, "endSeq": None, "lastFrame": time.monotonic(), "board": board, "sentTo": 0}
        self.run = run
        self.send({"type": "ACK", "acked": mtype}, seq)

    def on_stim_events(self, m, seq, mtype, board):
        run = self.need_run(m)
        for i, (t, c) in enumerate(zip(m["times"], m["channels"])):
            why = None
            if t < run["lastTime"]:
                why = "input event %d at %d µs comes before %d µs: events must be in time order" % (i, t, run["lastTime"])
            elif t >= run["durationUs"]:
                why = "input event %d at %d µs is not within the run of %d µs" % (i, t, run["durationUs"])
            elif c >= GEOMETRY["inputChannels"]:
                why = "input event %d is on channel %d but the board has %d input channels" % (i, c, GEOMETRY["inputChannels"])
            if why:
                self.end_run()
                raise Refusal("INVALID_STIMULUS", why)
            run["lastTime"] = t
        board.send_events(m["times"], m["channels"])
        run["inputEvents"] += len(m["times"])
        run["lastFrame"] = time.monotonic()

    def on_stim_samples(self, m, seq, mtype, board):
        self.need_run(m)
        raise Refusal("UNSUPPORTED", "analog input samples are not supported by the DYNAP-SE2 bridge")

    def on_stim_end(self, m, seq, mtype, board):
        run = self.need_run(m)
        run["endSeq"] = seq
        run["lastFrame"] = time.monotonic()

    def on_reset(self, m, seq, mtype, board):
        self.end_run()
        board.reset(m["clearConfiguration"])
        if m["clearConfiguration"]:
            self.configured = None
        self.send({"type": "ACK", "acked": mtype}, seq)

    def need_run(self, m):
        if self.run is None or self.run["endSeq"] is not None:
            raise Refusal("BAD_STATE", "stimulus for run %d but no run is taking input" % m["runId"])
        if m["runId"] != self.run["runId"]:
            raise Refusal("BAD_STATE", "stimulus for run %d during run %d" % (m["runId"], self.run["runId"]))
        return self.run

    def end_run(self):
        self.run = None

    def tick(self, now):
        """During a run: forward the board's spikes, keep the link alive, finish after STIM_END."""
        run = self.run
        if run is None:
            return
        board = run["board"]
        with self.holder.lock:
            spikes = [(t, n) for t, n in board.poll_spikes() if 0 <= t < run["durationUs"]]
            board_time = min(board.now_us(), run["durationUs"])
        run["spikes"] += len(spikes)
        if run["record"]:
            for i in range(0, len(spikes), 65536):
                part = spikes[i:i + 65536]
                self.send({"type": "SPIKES", "runId": run["runId"], "times": [t for t, _ in part], "neurons": [n for _, n in part]}, 0)
        if run["endSeq"] is not None and board_time >= run["durationUs"]:
            self.run = None
            self.send({"type": "RUN_DONE", "runId": run["runId"], "durationUs": run["durationUs"], "spikes": run["spikes"],
                       "inputEvents": run["inputEvents"]}, run["endSeq"])
            return
        if run["endSeq"] is None and now - run["lastFrame"] > RUN_IDLE_TIMEOUT_S:
            self.run = None
            self.error("TIMEOUT", "run %d received no input for %d ms and was ended" % (run["runId"], (now - run["lastFrame"]) * 1000))
            return
        if now - self.last_sent > KEEP_ALIVE_S:
            self.send({"type": "RUN_PROGRESS", "runId": run["runId"], "timeUs": board_time}, 0)


class TcpLink:
    def __init__(self, conn):
        self.conn = conn

    def read(self, timeout):
        self.conn.settimeout(timeout)
        try:
            data = self.conn.recv(1 << 16)
        except socket.timeout:
            return b""
        return data if data else None

    def write(self, data):
        self.conn.settimeout(1.5)
        self.conn.sendall(data)

    def close(self):
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


class SerialLink:
    def __init__(self, port):
        self.port = port

    def read(self, timeout):
        self.port.timeout = timeout
        first = self.port.read(1)
        return first + self.port.read(self.port.in_waiting) if first else b""

    def write(self, data):
        self.port.write(data)

    def close(self):
        self.port.close()


def serve_tcp(host, port, holder, log):
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(4)
    h, p = srv.getsockname()[:2]
    print("tcp://%s:%d" % ("[%s]" % h if ":" in h else h, p), flush=True)
    busy = threading.Lock()

    def run(conn):
        link = TcpLink(conn)
        try:
            Session(link, holder, log, serial=False).serve()
        finally:
            # the board is free before the client sees its connection close, so it can connect again at once
            busy.release()
            link.close()

    while True:
        conn, peer = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # a client that has just closed its connection may still hold the board until its session sees
        # the close (a read wakes every 50 ms): a new connection waits that long before it is refused
        if not busy.acquire(timeout=BUSY_WAIT_S):
            msg = "another client holds the board"
            conn.sendall(encode_message({"type": "ERROR", "code": ERRORS["BUSY"], "about": 0, "message": msg}, 0))
            TcpLink(conn).close()
            continue
        log("connection from %s:%d" % peer[:2])
        threading.Thread(target=run, args=(conn,), daemon=True).start()


def serve_serial(path, baud, holder, log):
    try:
        import serial  # pyserial
    except ImportError:
        sys.exit("bridge: --serial needs pyserial (pip install pyserial); TCP (--listen) needs nothing more")
    port = serial.Serial(path, baudrate=baud, bytesize=8, parity="N", stopbits=1, xonxoff=False, rtscts=False, timeout=0.05)
    print("serial:%s" % path, flush=True)
    link = SerialLink(port)
    while True:  # a serial line is never closed: the session drops back to waiting for HELLO
        Session(link, holder, log, serial=True).serve()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Serve a DYNAP-SE2 board (through Samna) over the workbench's board protocol, version 1.")
    ap.add_argument("--listen", metavar="HOST:PORT", help="listen on TCP (default 127.0.0.1:7000; port 0 picks a free port)")
    ap.add_argument("--serial", metavar="PATH", help="serve on a serial line instead (needs pyserial)")
    ap.add_argument("--baud", type=int, default=921600)
    ap.add_argument("--serial-number", help="the serial number the handshake reports when no board is attached")
    ap.add_argument("--quiet", action="store_true", help="no log lines on stderr")
    a = ap.parse_args(argv)
    log = (lambda line: None) if a.quiet else (lambda line: print("bridge: " + line, file=sys.stderr, flush=True))
    holder = BoardHolder(a.serial_number, log)
    if holder.probe() is None:
        if not a.serial_number:
            sys.exit("bridge: %s; give --serial-number SN to serve the handshake without a board" % holder.reason)
        log("%s: serving the handshake as %s, refusing board commands" % (holder.reason, a.serial_number))
    if a.serial:
        serve_serial(a.serial, a.baud, holder, log)
        return
    listen = a.listen or "127.0.0.1:7000"
    host, _, port = listen.removeprefix("tcp://").rpartition(":")
    if not host or not port.isdigit():
        sys.exit("bridge: --listen must be HOST:PORT (received %r), e.g. 127.0.0.1:7000" % listen)
    try:
        serve_tcp(host.strip("[]"), int(port), holder, log)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
