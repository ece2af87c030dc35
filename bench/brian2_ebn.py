"""The benchmark network in Brian2, C++ standalone device (Brian2's fastest backend), one thread.

    python3 bench/brian2_ebn.py <dir> <steps> <workdir>

<dir> holds the network written by bench/run.ts (meta.txt, wIn.f32, omegaF.f32, omegaS.f32,
inputs.f32, v0.f32). Same model as native/core/snn.hpp: forward Euler for V, exact exponential
decay of the traces, dt = 1 ms, the input current wIn · c(t) from C TimedArrays, dense slow and fast synapses that add W/tau_post to I_s / I_f on a
spike, float32 state. Prints one JSON line; the time is Brian2's own measure of the run
(device._last_run_time), without code generation, compilation or synapse creation.
"""
import json
import os
import sys
import time

try:
    import numpy as np
    import brian2 as b2
except ImportError:
    print(json.dumps({"error": "brian2 is not installed: apt-get install -y python3-brian"}))
    sys.exit(0)


def main():
    src, steps, workdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(os.path.join(src, "meta.txt")) as f:
        meta = f.read().split()
    N, C, T_in = int(meta[0]), int(meta[1]), int(meta[2])
    tau_mem, tau_s, tau_f, tau_out, v_th, v_rest, v_reset, bias, dt_ms = map(float, meta[3:12])
    load = lambda name, n: np.fromfile(os.path.join(src, name), dtype=np.float32, count=n)
    w_in = load("wIn.f32", N * C).reshape(N, C)
    omega_f = load("omegaF.f32", N * N).reshape(N, N)  # [post, pre]
    omega_s = load("omegaS.f32", N * N).reshape(N, N)  # [pre, post]
    x = load("inputs.f32", T_in * C).reshape(T_in, C)
    v0 = load("v0.f32", N)

    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b2.prefs.core.default_float_dtype = np.float32
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.defaultclock.dt = dt_ms * b2.ms

    namespace = {
        "tau_m": tau_mem * b2.ms,
        "tau_s": tau_s * b2.ms,
        "tau_f": tau_f * b2.ms,
        "tau_o": tau_out * b2.ms,
        "v_rest": v_rest,
        "b": bias,
        "v_th": v_th,
        "v_reset": v_reset,
    }
    inputs = {}
    terms = []
    for c in range(C):
        inputs["c%d" % c] = b2.TimedArray(x[:steps, c].astype(np.float64), dt=dt_ms * b2.ms)
        terms.append("w%d * c%d(t)" % (c, c))
    # v by forward Euler; the traces decay exactly (exp(-dt/tau)) in a run_regularly placed right after
    # the state update, so the order is ours: V from the previous currents, decay, threshold, spike
    # contributions (synapses), reset.
    eqs = """
    dv/dt = (v_rest - v + Is + If + I_in + b) / tau_m : 1
    Is : 1
    If : 1
    r : 1
    I_in = %s : 1
    """ % (" + ".join(terms) or "0")
    eqs += "".join("w%d : 1 (constant)\n" % c for c in range(C))
    namespace.update(inputs)
    G = b2.NeuronGroup(N, eqs, threshold="v >= v_th", reset="v = v_reset", method="euler", namespace=namespace)
    G.v = v0
    G.run_regularly(
        "Is = Is * decay_s\nIf = If * decay_f\nr = r * decay_o",
        when="groups",
        order=1,
    )
    namespace.update({
        "decay_s": float(np.float32(np.exp(-dt_ms / tau_s))),
        "decay_f": float(np.float32(np.exp(-dt_ms / tau_f))),
        "decay_o": float(np.float32(np.exp(-dt_ms / tau_out))),
    })
    for c in range(C):
        setattr(G, "w%d" % c, w_in[:, c])
    # kernels of unit area: a spike adds W / tau (tau in seconds) to the postsynaptic current
    S = b2.Synapses(G, G, "w : 1", on_pre="Is_post += w")
    S.connect()
    pre, post = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    S.w = (omega_s[pre, post] * (1000.0 / tau_s)).ravel()
    Fs = b2.Synapses(G, G, "w : 1", on_pre="If_post += w")
    Fs.connect()
    Fs.w = (omega_f.T[pre, post] * (1000.0 / tau_f)).ravel()
    R = b2.Synapses(G, G, on_pre="r_post += 1000.0 / %r" % tau_out)
    R.connect(j="i")
    counter = b2.SpikeMonitor(G, record=False)
    b2.run(steps * dt_ms * b2.ms, namespace=namespace)
    t0 = time.time()
    b2.device.build(directory=workdir, compile=True, run=True, debug=False, clean=False)
    total = time.time() - t0
    seconds = float(b2.device._last_run_time)
    print(json.dumps({
        "neurons": N,
        "steps": steps,
        "seconds": seconds,
        "buildAndRunSeconds": total,
        "spikes": int(counter.num_spikes),
        "neuronStepsPerSecond": N * steps / seconds,
        "brian2": b2.__version__,
    }))


main()
