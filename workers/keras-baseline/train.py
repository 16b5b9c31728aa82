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
    model.compile(optimizer=keras.optimizers.Adam(meta["learningRate"]), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def read(split_dir, name, dtype, shape):
    return np.fromfile(os.path.join(split_dir, name), dtype=dtype).reshape(shape)


def main():
    split_dir = sys.argv[1]
    with open(os.path.join(split_dir, "meta.json")) as f:
        meta = json.load(f)
    keras.utils.set_random_seed(meta["seed"])
    frames, features = meta["frames"], meta["features"]
    x_train = read(split_dir, "x_train.f32", "<f4", (-1, frames, features))
    y_train = read(split_dir, "y_train.i32", "<i4", (-1,))
    x_test = read(split_dir, "x_test.f32", "<f4", (-1, frames, features))
    y_test = read(split_dir, "y_test.i32", "<i4", (-1,))
    model = build(meta)
    # One warm-up epoch is not timed (graph tracing), as on the TF.js side.
    model.fit(x_train, y_train, epochs=1, batch_size=meta["batchSize"], verbose=0)
    started = time.perf_counter()
    model.fit(x_train, y_train, epochs=meta["epochs"] - 1, batch_size=meta["batchSize"], verbose=0, shuffle=True)
    seconds = time.perf_counter() - started
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
        "samples_per_s": len(x_train) * (meta["epochs"] - 1) / seconds,
        "accuracy": accuracy,
        "seconds": seconds,
        "epochs": meta["epochs"],
        "infer_window_ms_p95": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None,
        "tensorflow": tf.__version__,
    }))


if __name__ == "__main__":
    main()
