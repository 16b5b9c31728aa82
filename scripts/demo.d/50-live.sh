#!/usr/bin/env bash
# Live transcription demo: a camera agent replays the MSL-150 fixture sign videos in real time as
# rig "demo"; the extraction service turns its JPEG frames into landmarks (MediaPipe); the
# transcriber recognises signs with the production model the sign-recognition pipeline trained and
# deployed in step 30 (features built from its dataset's feature spec) and publishes captions;
# the live feed page shows them. Runs after `signflow up --detach` (scripts/demo.sh); `signflow` is
# a shell function there. Everything it starts keeps running; the last lines say how to stop it.
set -euo pipefail
cd "$(dirname "$0")/../.."
RIG=demo
DATA_DIR="${SIGNFLOW_DATA_DIR:-$HOME/.signflow}"
WORK="$DATA_DIR/live-demo"
PIDS="$WORK/pids"
FIXTURES="${SIGNFLOW_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
mkdir -p "$WORK"
live() { node --import tsx workers/scripts/live.ts "$@"; }
have_command() { signflow --help 2>/dev/null | grep -qE "^  $1 "; }
note() { echo "live demo: $*"; }

if [ -f "$PIDS" ]; then
  note "stopping the previous live demo's processes"
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$PIDS"
  rm -f "$PIDS"
fi

# 1. The model: the production version of "sign-recognition" that step 30's run deployed.
MODEL=sign-recognition
if ! live check-model --model "$MODEL"; then
  note "no usable production $MODEL model: step 30 (30-pipeline.sh) trains it on MSL-150 and deploys it when its held-out accuracy reaches minAccuracy; see signflow run ls"
  exit 1
fi

# 2. The rig: the five fixture sign videos joined into one clip, replayed in real time, looping.
CLIP="$WORK/msl150-signs.mp4"
if [ ! -s "$CLIP" ]; then
  inputs=(); filters=""; i=0
  for sign in ambulancia doctor dolor hoy yo; do
    inputs+=(-i "$FIXTURES/msl150/original_source/${sign}_001.mp4")
    filters+="[$i:v]scale=640:360,fps=30,setsar=1[v$i];"; i=$((i + 1))
  done
  ffmpeg -loglevel error -y "${inputs[@]}" -filter_complex "${filters}[v0][v1][v2][v3][v4]concat=n=5:v=1:a=0[out]" -map "[out]" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$CLIP"
fi
cat >"$WORK/rig.yaml" <<YAML
id: $RIG
cameras:
  - id: front
    role: body
    source: { kind: file, path: $CLIP, loop: true, realtime: true }
    resolution: { width: 640, height: 360 }
    fps: 15
    jpegQuality: 75
YAML

start() { # name, command...
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  echo $! >>"$PIDS"
  note "$name started (pid $!, log $WORK/$name.log)"
}

# 3. The live path: transcriber, extraction worker, camera agent.
# One camera: the transcriber reads its view (fusion takes two or more calibrated cameras of the rig file).
start transcriber node --import tsx workers/scripts/live.ts transcribe --rig "$RIG" --model "$MODEL" --rig-file "$WORK/rig.yaml"
start extraction node --import tsx workers/scripts/live.ts extract --rig "$RIG"
if have_command camera; then
  # the agent connects as the rig's own NATS user that `signflow up` generated (it may publish only
  # demo/front's frames, landmarks and heartbeat), not as the stack's service user
  SEED="$DATA_DIR/auth/nats/demo-front.nk"
  if [ -f "$SEED" ]; then
    start camera-agent node cli/bin/signflow.js camera run --rig "$WORK/rig.yaml" --nkey-seed "$SEED" --inbox-prefix _INBOX_demo-front
  else
    start camera-agent node cli/bin/signflow.js camera run --rig "$WORK/rig.yaml"
  fi
else
  note "the camera agent command is not available: no frames will flow (replay landmarks instead with the workers bench)"
fi

# 4. The feed page: under `signflow up` when the lead wired web's stack part, else started here.
PORT="${SIGNFLOW_LIVE_PORT:-8481}"
if curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
  note "live feed already served by the stack"
elif have_command live; then
  start live-feed node cli/bin/signflow.js live --port "$PORT"
else
  note "the live feed command is not available in this CLI: no page to open"
fi

note "waiting up to 60 s for the first captions..."
for _ in $(seq 1 60); do
  if have_command captions && [ -n "$(signflow captions --rig "$RIG" --since 2 2>/dev/null)" ]; then break; fi
  sleep 1
done
if have_command captions; then
  out="$(signflow captions --rig "$RIG" --since 2 2>/dev/null || true)"
  if [ -n "$out" ]; then echo "$out"; else note "no caption yet: see $WORK/*.log (MediaPipe on 2 CPU cores extracts a few frames per second)"; fi
fi
echo
note "live feed:  http://127.0.0.1:$PORT/live/$RIG (sign in with an API token: the admin one is in $DATA_DIR/auth/admin.token)"
note "terminal:   signflow captions --rig $RIG --follow"
note "stop:       kill \$(cat $PIDS)"
note "model:      $MODEL (promote another version and the transcriber swaps to it: signflow model promote $MODEL <version>)"
