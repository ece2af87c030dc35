"""Unit checks of what the bridge checks at CONFIG_COMMIT (docs/board-protocol.md §7), in order, on
the bridge's own geometry (1 chip x 4 cores x 256, fan-in 64, fan-out 4, SE2, 1024 inputs).

    python3 -m unittest test_checks   (from hardware/samna-bridge)
"""
import unittest

from bridge import GEOMETRY, Refusal, validate


def core(**kw):
    c = {"chip": 0, "core": 0, "neurons": 4, "tauMemMs": 20.0, "refractoryMs": 2.0, "threshold": 1.0, "resetPotential": 0.0,
         "bias": 0.0, "tauSynMs": [5.0, 100.0, 5.0, 100.0], "baseWeights": [0.5, 1.0, 2.0, 4.0]}
    c.update(kw)
    return c


def begin(cores, total, scheme="se2"):
    return {"type": "CONFIG_BEGIN", "weightScheme": scheme, "weightSchemeId": 2 if scheme == "se2" else 1, "cores": cores, "totalConnections": total}


class ConfigurationChecks(unittest.TestCase):
    def refused(self, b, conns, *words):
        with self.assertRaises(Refusal) as cm:
            validate(b, conns, GEOMETRY)
        self.assertEqual(cm.exception.code, "INVALID_CONFIGURATION")
        for w in words:
            self.assertIn(w, cm.exception.message)

    def test_a_valid_configuration_is_summarised(self):
        conns = [(0x80000000, 0, 0, 15), (0, 1, 2, 3), (1, 256, 1, 1)]
        s = validate(begin([core(), core(core=1, neurons=2)], 3), conns, GEOMETRY)
        self.assertEqual(s, {"cores": 2, "neurons": 6, "connections": 3, "camEntries": 3})

    def test_weight_scheme(self):
        self.refused(begin([core()], 0, "se1"), [], "weightScheme se1")

    def test_core_blocks(self):
        self.refused(begin([core(chip=1)], 0), [], "chip 1")
        self.refused(begin([core(core=4)], 0), [], "core 4")
        self.refused(begin([core(), core()], 0), [], "configured twice")
        self.refused(begin([core(neurons=0)], 0), [], "neurons is 0")
        self.refused(begin([core(neurons=257)], 0), [], "neurons is 257")
        self.refused(begin([core(tauMemMs=0.0)], 0), [], "tauMemMs")
        self.refused(begin([core(refractoryMs=-1.0)], 0), [], "refractoryMs")
        self.refused(begin([core(tauSynMs=[5.0, 0.0, 5.0, 5.0])], 0), [], "tauSynMs[1]")
        self.refused(begin([core(baseWeights=[0.5, 1.0, -2.0, 4.0])], 0), [], "baseWeights[2]")
        self.refused(begin([core(resetPotential=1.0)], 0), [], "resetPotential")

    def test_connection_count(self):
        self.refused(begin([core()], 2), [(0, 1, 0, 1)], "announced 2 connections, 1 arrived")

    def test_connections(self):
        self.refused(begin([core()], 1), [(0, 4, 0, 1)], "connection 0", "post 4")
        self.refused(begin([core()], 1), [(300, 1, 0, 1)], "pre 300")
        self.refused(begin([core()], 1), [(0x80000000 | 1024, 1, 0, 1)], "input channel 1024")
        self.refused(begin([core()], 1), [(0, 1, 0, 0)], "weight mask 0")
        self.refused(begin([core()], 1), [(0, 1, 0, 16)], "weight mask 16")

    def test_fan_in(self):
        conns = [(0x80000000 | i, 0, 0, 1) for i in range(65)]
        self.refused(begin([core()], 65), conns, "connection 64", "fan-in")
        validate(begin([core()], 64), conns[:64], GEOMETRY)

    def test_fan_out(self):
        cores = [core(core=k) for k in range(4)]
        conns = [(0, 256 * k + 1, 0, 1) for k in range(4)]
        # one chip of 4 cores: a neuron reaching all of them is within the SE2 limit of 4 (it cannot be exceeded here)
        self.assertEqual(validate(begin(cores, 4), conns, GEOMETRY)["connections"], 4)

    def test_first_failure_is_reported(self):
        # a bad core block and a bad connection: the core block (rule 2) comes first
        self.refused(begin([core(tauMemMs=-1.0)], 1), [(0, 9, 0, 1)], "tauMemMs")


if __name__ == "__main__":
    unittest.main()
