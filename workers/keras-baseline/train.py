"""Trains the same architecture as signflow's TF.js trainer on an exported split, in Keras.

Usage: python train.py SPLIT_DIR  -> prints one JSON line:
  {"samples_per_s": ..., "accuracy": ..., "seconds": ..., "epochs": ..., "infer_window_ms_p95": ...}

SPLIT_DIR (written by workers/bench/keras-split.ts) holds meta.json and the arrays
x_train.f32, y_train.i32, x_test.f32, y_test.i32 (little-endian, already standardised), so both
sides see byte-identical data, batches of the same size and the same number of epochs, and
order_<seed>.i32: the TF.js trainer's sample order for every epoch (`[epochs, samples]`), which
this side trains on too (batches in that order, the last one partial), so both see the same
batches. Without that file each epoch gets a fresh permutation from numpy's generator.

Why not fit(shuffle=True): with keras.utils.set_random_seed, Keras 3's array adapter draws its
permutation with a seeded op inside a tf.data pipeline that is re-created every epoch, so every
epoch repeats the first epoch's order (checked on Keras 3.15 / TF 2.18): one fixed order, not the
reshuffled epochs the TF.js trainer runs. With the same orders on both sides, only the initial
weights (each framework's own Glorot draw) and float rounding differ between the two runs.

KERAS_TRACE_BATCHES=FILE (tests only): records the first feature of every sample of every training
batch, in the order fit used them, as JSON lists per epoch (runs eagerly; slow).
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402


def build(meta, trace=None):
    frames, features, classes = meta["frames"], meta["features"], meta["classes"]
    arch, units, layers, dropout = meta["architecture"], meta["units"], meta["layers"], meta["dropout"]
    inputs = keras.Input(shape=(frames, features), name="landmarks")
    x = inputs
    if trace is not None:
        x = TraceBatches(trace)(x)
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
    if trace is not None:
        jit = False
    model.compile(optimizer=keras.optimizers.Adam(meta["learningRate"]), loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit, run_eagerly=trace is not None)
    return model


class TraceBatches(keras.layers.Layer):
    """Identity; while training, appends the first feature of each sample of the batch (KERAS_TRACE_BATCHES)."""

    def __init__(self, batches, **kwargs):
        super().__init__(**kwargs)
        # A bound method: Keras would wrap a list attribute in a tracked copy.
        self.record = batches.append

    def call(self, x, training=None):
        if training:
            self.record(np.asarray(x)[:, 0, 0].tolist())
        return x


def epoch_orders(split_dir, meta, samples):
    """`[epochs, samples]` sample order per epoch: the TF.js trainer's (exported) or fresh permutations."""
    path = os.path.join(split_dir, f"order_{meta['seed']}.i32")
    if os.path.exists(path):
        orders = read(split_dir, f"order_{meta['seed']}.i32", "<i4", (-1, samples))
        if orders.shape[0] < meta["epochs"] or sorted(orders[0].tolist()) != list(range(samples)):
            raise SystemExit(f"{path}: expected {meta['epochs']} permutations of {samples} samples")
        return orders[: meta["epochs"]]
    rng = np.random.default_rng(meta["seed"])
    return np.stack([rng.permutation(samples) for _ in range(meta["epochs"])]).astype(np.int32)


def batches(x, y, orders, batch_size):
    """Keras's own array-input pipeline (a fresh iterator per epoch: that epoch's order, index
    batches, a parallel gather, prefetch), except that the order of epoch e is `orders[e]` rather
    than a tf.random.shuffle. Each new iterator takes the next epoch's order."""
    x, y, orders = tf.constant(x), tf.constant(y), tf.constant(orders, dtype=tf.int64)  # orders: [epochs, samples]
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False)

    def next_order(_):
        return tf.gather(orders, epoch.assign_add(1) - 1)

    options = tf.data.Options()
    options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
    return (
        tf.data.Dataset.range(1)
        .map(next_order)
        .prefetch(1)
        .flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size))
        .map(lambda index: (tf.gather(x, index), tf.gather(y, index)), num_parallel_calls=tf.data.AUTOTUNE)
        .apply(tf.data.experimental.assert_cardinality(-(-orders.shape[1] // batch_size)))
        .with_options(options)
        .prefetch(tf.data.AUTOTUNE)
    )


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
    trace_path = os.environ.get("KERAS_TRACE_BATCHES")
    trace = [] if trace_path else None
    model = build(meta, trace)
    # One fit of `epochs` epochs, each timed: the first (graph tracing, XLA compilation) is
    # excluded, as on the TF.js side; samples_per_s is the median of the others. As with
    # fit(x, y), each epoch builds its batches anew (inside the timed epoch), in its own order.
    timer = EpochTimer()
    steps = -(-len(x_train) // meta["batchSize"])
    data = batches(x_train, y_train, epoch_orders(split_dir, meta, len(x_train)), meta["batchSize"])
    model.fit(data, epochs=meta["epochs"], shuffle=False, verbose=0, callbacks=[timer])
    if trace_path:
        with open(trace_path, "w") as f:
            json.dump([sum(trace[e * steps : (e + 1) * steps], []) for e in range(meta["epochs"])], f)
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
