"""Trains the same architecture as signflow's TF.js trainer on an exported split, in Keras.

Usage: python train.py SPLIT_DIR  -> prints one JSON line:
  {"samples_per_s": ..., "accuracy": ..., "seconds": ..., "epochs": ..., "infer_window_ms_p95": ...}

SPLIT_DIR (written by workers/bench/training.bench.ts) holds meta.json and the arrays
x_train.f32, y_train.i32, x_test.f32, y_test.i32 (little-endian, already standardised), so both
sides see byte-identical data, batches of the same size and the same number of epochs.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402


def build(meta):
    frames, features, classes = meta["frames"], meta["features"], meta["classes"]
    arch, units, layers, dropout = meta["architecture"], meta["units"], meta["layers"], meta["dropout"]
    inputs = keras.Input(shape=(frames, features), name="landmarks")
    x = inputs
    if arch == "mlp":
        x = keras.layers.Flatten()(x)
        for _ in range(layers):
            x = keras.layers.Dense(units, activation="relu")(x)
            x = keras.layers.Dropout(dropout)(x) if dropout > 0 else x
    elif arch == "gru":
        for i in range(layers):
            # reset_after=False: the GRU variant TF.js implements.
            x = keras.layers.GRU(units, return_sequences=i < layers - 1, reset_after=False)(x)
            x = keras.layers.Dropout(dropout)(x) if dropout > 0 else x
    elif arch == "tcn":
        for _ in range(layers):
            x = keras.layers.Conv1D(units, meta["kernelSize"], padding="same", activation="relu")(x)
            x = keras.layers.Dropout(dropout)(x) if dropout > 0 else x
        x = keras.layers.GlobalAveragePooling1D()(x)
    else:
        raise SystemExit(f"architecture {arch} has no Keras twin here (mlp, gru, tcn)")
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    # jit_compile "auto" (Keras's default: XLA on when every layer supports it) unless KERAS_JIT says.
    jit = os.environ.get("KERAS_JIT", "auto")
    jit = {"1": True, "0": False}.get(jit, "auto")
    model.compile(optimizer=keras.optimizers.Adam(meta["learningRate"]), loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit)
    return model


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []
        self.cpu = []
        self._started = 0.0
        self._cpu_started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)
        self.cpu.append(time.process_time() - self._cpu_started)


def read(split_dir, name, dtype, shape):
    return np.fromfile(os.path.join(split_dir, name), dtype=dtype).reshape(shape)


def main():
    split_dir = sys.argv[1]
    with open(os.path.join(split_dir, "meta.json")) as f:
        meta = json.load(f)
    # TensorFlow's runtime reads TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS itself (the
    # tfjs-node side gets them the same way); set here too so Keras cannot pick others.
    for name, setter in (("TF_NUM_INTRAOP_THREADS", tf.config.threading.set_intra_op_parallelism_threads), ("TF_NUM_INTEROP_THREADS", tf.config.threading.set_inter_op_parallelism_threads)):
        if os.environ.get(name):
            setter(int(os.environ[name]))
    # The bench varies the training seed across its repeats (the same seed on both sides).
    meta["seed"] = int(os.environ.get("BENCH_SEED", meta["seed"]))
    keras.utils.set_random_seed(meta["seed"])
    frames, features = meta["frames"], meta["features"]
    x_train = read(split_dir, "x_train.f32", "<f4", (-1, frames, features))
    y_train = read(split_dir, "y_train.i32", "<i4", (-1,))
    x_test = read(split_dir, "x_test.f32", "<f4", (-1, frames, features))
    y_test = read(split_dir, "y_test.i32", "<i4", (-1,))
    model = build(meta)
    # One fit of `epochs` epochs, each timed: the first (graph tracing, XLA compilation) is
    # excluded, as on the TF.js side; samples_per_s is the median of the others.
    timer = EpochTimer()
    model.fit(x_train, y_train, epochs=meta["epochs"], batch_size=meta["batchSize"], verbose=0, shuffle=True, callbacks=[timer])
    timed = timer.seconds[1:]
    seconds = sum(timed)
    per_epoch = sorted(len(x_train) / s for s in timed)
    probs = model.predict(x_test, batch_size=256, verbose=0)
    accuracy = float((probs.argmax(axis=1) == y_test).mean())
    times = []
    for i in range(min(50, len(x_test))):
        window = x_test[i : i + 1]
        t = time.perf_counter()
        model(window, training=False)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(json.dumps({
        "samples_per_s": float(np.median(per_epoch)),
        "samples_per_s_mean": len(x_train) * len(timed) / seconds,
        "samples_per_cpu_s": len(x_train) * len(timed) / sum(timer.cpu[1:]),
        "accuracy": accuracy,
        "seconds": seconds,
        "epochs": meta["epochs"],
        "infer_window_ms_p95": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None,
        "tensorflow": tf.__version__,
        "jit_compile": str(model.jit_compile),
        "intra_op_threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "default"),
        "inter_op_threads": os.environ.get("TF_NUM_INTEROP_THREADS", "default"),
    }))


if __name__ == "__main__":
    main()
