"""Unit checks of the bridge's protocol side: the CRC-32C test vectors of docs/board-protocol.md §3
and every example frame of §9, encoded byte for byte and decoded back. The example frames are read
from the document itself, so the bridge and the spec cannot drift apart.

    python3 -m unittest test_protocol   (from hardware/samna-bridge)
"""
import os
import re
import unittest

from protocol import ProtocolError, crc32c, decode_frame, decode_message, encode_message, check_header

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "board-protocol.md")

# the values of src/hardware/protocol/examples.ts, in the order of §9 (sequence number = position + 1)
EXAMPLES = [
    ("HELLO", {"type": "HELLO", "version": 1, "client": "mimic"}),
    ("HELLO_ACK", {"type": "HELLO_ACK", "version": 1, "weightScheme": "se2", "chips": 1, "coresPerChip": 4, "neuronsPerCore": 256,
                   "fanIn": 64, "fanOut": 4, "inputChannels": 256, "model": "emu", "serialNumber": "SN1", "firmware": "1"}),
    ("CONFIG_BEGIN", {"type": "CONFIG_BEGIN", "weightScheme": "se2", "totalConnections": 2, "cores": [
        {"chip": 0, "core": 0, "neurons": 2, "tauMemMs": 20.0, "refractoryMs": 2.0, "threshold": 1.0, "resetPotential": 0.0, "bias": 0.0,
         "tauSynMs": [5.0, 100.0, 5.0, 100.0], "baseWeights": [0.5, 1.0, 2.0, 4.0]}]}),
    ("CONFIG_CONNECTIONS", {"type": "CONFIG_CONNECTIONS", "connections": [(0x80000000, 0, 0, 15), (0, 1, 2, 3)]}),
    ("CONFIG_COMMIT", {"type": "CONFIG_COMMIT"}),
    ("CONFIG_DONE", {"type": "CONFIG_DONE", "cores": 1, "neurons": 2, "connections": 2, "camEntries": 2}),
    ("RUN_START", {"type": "RUN_START", "runId": 7, "durationUs": 100000, "input": "events", "record": True, "analogChannels": 0, "samplePeriodUs": 0}),
    ("STIM_EVENTS", {"type": "STIM_EVENTS", "runId": 7, "times": [1000, 1500], "channels": [0, 0]}),
    ("STIM_SAMPLES", {"type": "STIM_SAMPLES", "runId": 8, "firstSample": 0, "channels": 1, "values": [0.5, 1.0]}),
    ("STIM_END", {"type": "STIM_END", "runId": 7}),
    ("SPIKES", {"type": "SPIKES", "runId": 7, "times": [2100], "neurons": [0]}),
    ("RUN_PROGRESS", {"type": "RUN_PROGRESS", "runId": 7, "timeUs": 50000}),
    ("RUN_DONE", {"type": "RUN_DONE", "runId": 7, "durationUs": 100000, "spikes": 1, "inputEvents": 2}),
    ("RESET", {"type": "RESET", "clearConfiguration": False}),
    ("CLOSE", {"type": "CLOSE"}),
    ("PING", {"type": "PING", "nonce": 42}),
    ("PONG", {"type": "PONG", "nonce": 42}),
    ("ACK", {"type": "ACK", "acked": 0x40}),
    ("ERROR", {"type": "ERROR", "code": 1, "about": 0x01, "message": "version 2 not supported"}),
]


def doc_frames():
    """Every frame printed in §9 of the document, in order, as bytes."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## 9. Example frames"):text.index("## 10.")]
    frames = []
    for block in re.findall(r"```\n(.*?)```", section, re.S):
        for line in block.strip().splitlines():
            frames.append(bytes(int(x, 16) for x in line.split()))
    return frames


class Crc32cVectors(unittest.TestCase):
    def test_vectors_of_section_3(self):
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc32c(bytes(32)), 0x8A9136AA)
        self.assertEqual(crc32c(b"\xff" * 32), 0x62A8AB43)
        self.assertEqual(crc32c(bytes(range(32))), 0x46DD794E)

    def test_continues_from_a_previous_result(self):
        self.assertEqual(crc32c(b"6789", crc32c(b"12345")), 0xE3069283)


class ExampleFrames(unittest.TestCase):
    def test_the_document_has_one_frame_per_example(self):
        self.assertEqual(len(doc_frames()), len(EXAMPLES))

    def test_encoding_matches_section_9_byte_for_byte(self):
        for i, ((name, m), wire) in enumerate(zip(EXAMPLES, doc_frames())):
            with self.subTest(message=name):
                self.assertEqual(encode_message(m, i + 1).hex(" ").upper(), wire.hex(" ").upper())

    def test_decoding_section_9_gives_the_example_values(self):
        for i, ((name, m), wire) in enumerate(zip(EXAMPLES, doc_frames())):
            with self.subTest(message=name):
                mtype, seq, payload = decode_frame(wire)
                self.assertEqual(seq, i + 1)
                got = decode_message(mtype, payload)
                got.pop("weightSchemeId", None)
                self.assertEqual(got, m)

    def test_header_check_is_little_endian(self):
        begin = doc_frames()[2]
        self.assertEqual(begin[12:16], bytes([0x24, 0x92, 0xE5, 0x90]))


class Refusals(unittest.TestCase):
    def frame(self):
        return bytearray(doc_frames()[0])

    def code_of(self, data):
        with self.assertRaises(ProtocolError) as cm:
            mtype, seq, payload = decode_frame(bytes(data))
            decode_message(mtype, payload)
        return cm.exception.code

    def test_bad_magic(self):
        f = self.frame(); f[0] = 0x4E
        self.assertEqual(self.code_of(f), "BAD_FRAME")

    def test_header_checksum_before_type_and_length(self):
        f = self.frame(); f[2] = 0x66  # an unknown type, but the header check fails first
        self.assertEqual(self.code_of(f), "CHECKSUM")

    def test_payload_checksum(self):
        f = self.frame(); f[20] ^= 0x01
        self.assertEqual(self.code_of(f), "CHECKSUM")

    def test_unknown_type_is_unsupported(self):
        f = self.frame(); f[2] = 0x66
        f[12:16] = crc32c(bytes(f[0:12])).to_bytes(4, "little")
        self.assertEqual(self.code_of(f), "UNSUPPORTED")
        with self.assertRaises(ProtocolError):
            check_header(bytes(f[:16]))

    def test_non_zero_reserved_field(self):
        m = bytearray(doc_frames()[13])  # RESET
        m[17] = 1
        m[-4:] = crc32c(bytes(m[16:-4])).to_bytes(4, "little")
        self.assertEqual(self.code_of(m), "BAD_FRAME")


if __name__ == "__main__":
    unittest.main()
