#!/usr/bin/env bash
# Reproducible pipeline for the embedded default model (models/embedded). Offline; CPU only.
# Needs: node (repo deps installed), Debian python3-torch python3-onnx python3-numpy libopenblas0-pthread,
#        golang-1.19-src and rust-src (apt) for the Go/Rust part of the corpus.
# Usage: tools/model/build.sh [all|corpus|tokenizer|train|continue|assoc|tune|export|variants|check|bench|study|words|fusion|target]   (default: all)
#   TRAIN_MINUTES=70 VERSION=1.0.0 tools/model/build.sh all
set -euo pipefail
cd "$(dirname "$0")/../.."
W=tools/model/work
OUT=models/embedded
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=2
TRAIN_MINUTES=${TRAIN_MINUTES:-48}   # first phase: 48 min wall clock, 1 torch thread, on a shared 2-core VM
CONTINUE_MINUTES=${CONTINUE_MINUTES:-65}  # second phase (v1.2.0): 65 min more from ckpt-main, 1 thread, quiet machine
TRAIN_THREADS=${TRAIN_THREADS:-1}
VERSION=${VERSION:-1.2.0}
CKPT=${CKPT:-$W/ckpt-long.pt}
ASSOC_WEIGHT=${ASSOC_WEIGHT:-0.3}   # lam_a, chosen on the held-out needle tasks (step: study); 0 = no association part       # the checkpoint that is exported (ckpt-main.pt for 1.1.0)
step=${1:-all}
mkdir -p "$W"

if [[ $step == all || $step == corpus ]]; then
  node tools/model/build_corpus.mjs "$W" 70                       # -> $W/corpus.txt, $W/split.json, tools/model/corpus-manifest.json
fi
if [[ $step == all || $step == tokenizer ]]; then
  node tools/model/train_bpe.mjs "$W/corpus.txt" "$W/tok" 6144 16 # byte-level BPE, 6144 ids (last = <|endoftext|>)
  node tools/model/encode_corpus.mjs "$W/tok" "$W/corpus.txt" "$W/tokens.bin"
  node tools/model/make_pairs.mjs "$W" dev 24                      # dev pairs (mixture tuning)
  node tools/model/make_pairs.mjs "$W" test 27                     # -> bench/model/heldout-functions.json
fi
if [[ $step == all || $step == train ]]; then
  # 128-d, 4 layers, SwiGLU 384, 6144 vocab (1.64M params); 512-token windows, last 15% of the time at 1024
  nice -n 5 $PY tools/model/py/train.py "$W/tokens.bin" "$W/ckpt-main.pt" --minutes "$TRAIN_MINUTES" \
    --d 128 --layers 4 --heads 4 --ffn 384 --seq 512 --batch 4 --lr 3e-3 --warmup 20 --seq2 1024 --seq2_frac 0.15 \
    --eval_every 20 --threads "$TRAIN_THREADS" | tee "$W/train-main.log"
fi
if [[ $step == all || $step == continue ]]; then
  # continued training: lower peak lr, short warm-up, the last 10% at 1024-token windows
  nice -n 5 $PY tools/model/py/train.py "$W/tokens.bin" "$W/ckpt-long.pt" --init "$W/ckpt-main.pt" \
    --minutes "$CONTINUE_MINUTES" --seq 512 --batch 4 --lr 1.5e-3 --warmup 20 --seq2 1024 --seq2_frac 0.1 \
    --eval_every 50 --threads "$TRAIN_THREADS" --seed 3 | tee "$W/train-long.log"
fi
if [[ $step == all || $step == assoc ]]; then
  # code-to-description association component: (code, description) pairs of the training documents
  node tools/model/make_doc_pairs.mjs "$W" "$W/doc-pairs.jsonl"
  nice -n 5 $PY tools/model/py/train_assoc.py train "$W/tok" "$W/doc-pairs.jsonl" "$W/assoc.pt" --epochs 6 | tee "$W/train-assoc.log"
fi
if [[ $step == all || $step == tune ]]; then
  nice -n 5 $PY tools/model/py/tune_mixture.py "$W/ckpt-main.pt" "$W/tok" "$W/tokens.bin" "$W/pairs-dev.json" "$W/mix.json" | tail -1
  $PY -c "import json; json.dump(json.load(open('$W/mix.json'))['mix'], open('$W/mix-chosen.json', 'w'))"
fi
if [[ $step == all || $step == export ]]; then
  rm -rf "$OUT" && mkdir -p "$OUT"
  # the tuned mixture, scaled to make room for the association component's weight
  $PY -c "import json; a = $ASSOC_WEIGHT; m = json.load(open('$W/mix-chosen.json'))
m = {k: (round(v * (1 - a), 6) if k in ('lam_n', 'lam_c', 'lam_k', 'lam_u') else v) for k, v in m.items()} | {'lam_a': a}
json.dump(m, open('$W/mix-export.json', 'w'))"
  $PY tools/model/py/export.py "$OUT" "$W/tok" "$W/tokens.bin" "$CKPT" --mix "$W/mix-export.json" \
    --version "$VERSION" --fold-copy "$W/model_folded.onnx" --assoc "$W/assoc.pt"
  $PY tools/model/py/quantize.py "$OUT" q4 "$W/model_folded.onnx"  # onnx/model_q4.onnx (q4, MatMulNBits)
  # q8 is weight-only int8 (fp32 arithmetic): dynamic activation quantization would make a
  # token's log-prob depend on batch and sequence length (see quantize_weight_only.py).
  $PY tools/model/py/quantize_weight_only.py "$OUT"  # onnx/model_quantized.onnx (q8)
fi
if [[ $step == all || $step == variants ]]; then
  V="$W/variants"
  $PY tools/model/py/export.py "$V/neural" "$W/tok" "$W/tokens.bin" "$CKPT" --neural-only --version "$VERSION"
  $PY tools/model/py/export.py "$V/random" "$W/tok" "$W/tokens.bin" "$CKPT" --random --version "$VERSION"
  $PY tools/model/py/export_cache_lm.py "$V/cache-lm" "$W/tok" "$W/tokens.bin"
fi
if [[ $step == all || $step == check ]]; then
  node tools/model/check_parity.mjs "$OUT" "$CKPT" "$W/tok" "$W/tokens.bin" "$W/corpus.txt" "$W/assoc.pt"
fi
if [[ $step == all || $step == bench ]]; then
  nice -n 5 node bench/model/docstring-ranking.mjs
fi
if [[ $step == words ]]; then
  # 1.3.0 word-association component (identifier sub-words; src/core/model/word-association.ts) from the
  # repository corpus (tools/model/CORPUS.md): decontaminate the pairs, split them into words exactly as the
  # extension does, train, and copy the two files into the model folder.
  PAIRS=${PAIRS:?PAIRS=path/to/pairs-train.jsonl (tools/model/CORPUS.md)}
  node ../shared/tools/decontaminate.mjs jsonl --fields code,doc < "$PAIRS" > "$W/word-pairs.jsonl"
  npx tsx tools/model/tokenize_word_pairs.ts "$W/word-pairs.jsonl" "$W/word-pairs.words.jsonl"
  nice $PY tools/model/py/train_word_assoc.py "$W/word-pairs.words.jsonl" "$W/words" --dim 128 --epochs 8 --min-count 3
  cp "$W/words/word-association.json" "$W/words/word-association.bin" "$OUT/"
fi
if [[ $step == fusion ]]; then
  # Fused-ranking weights (src/core/code/fusion.ts), fitted on needle tasks of HELD-OUT repositories only
  # (TASKS from tools/model/make_repo_needle_tasks.mjs); needle-dev is reported with NEEDLE_DEV, never fitted.
  TASKS=${TASKS:?TASKS=path/to/tasks-heldout.jsonl}
  npx tsx bench/needle/select-low-leak.ts "$TASKS" "$W/fusion-tasks.jsonl"
  npx tsx bench/needle/dump-features.ts "$W/fusion-tasks.jsonl" "$W/fusion-features.jsonl"
  ${NEEDLE_DEV:+npx tsx bench/needle/dump-features.ts "$NEEDLE_DEV" "$W/needle-dev-features.jsonl"}
  npx tsx bench/needle/fusion-study.ts --fit "$W/fusion-features.jsonl" --assoc "words=$OUT" \
    ${NEEDLE_DEV:+--eval "$W/needle-dev-features.jsonl"} --out bench/results/relevance-levers.json
fi
if [[ $step == study ]]; then
  # needle-style tasks from the HELD-OUT dev split: how the model ranks chunks for a description, per mixture
  # variant (tools/model/py/rank_study.py); the association weight is chosen here, never on the benchmark sets.
  # With NEEDLE_DEV=path/to/needle-dev/tasks.jsonl the same table is printed for that set (reporting only).
  node tools/model/make_needle_tasks.mjs "$W" "$W/needle-heldout.jsonl" 12
  sets="heldout=$W/needle-heldout.jsonl ${NEEDLE_DEV:+needle-dev=$NEEDLE_DEV}"
  specs=()
  for s in $sets; do
    name=${s%%=*}; tasks=${s#*=}
    npx tsx bench/needle/dump-chunks.ts "$tasks" "$W/study-$name.jsonl"
    $PY tools/model/py/rank_study.py "$CKPT" "$W/tok" "$W/study-$name.jsonl" "$W/study-$name.pt" > /dev/null
    $PY tools/model/py/train_assoc.py apply "$W/tok" "$W/assoc.pt" "$W/study-$name.jsonl" "$W/study-$name.pt" "$W/study-$name.pt"
    specs+=("$name=$W/study-$name.pt:$W/study-$name.jsonl")
  done
  $PY tools/model/py/rank_study.py --study bench/results/model-ranking-study.json "${specs[@]}"
fi
if [[ $step == target ]]; then
  # 1.4.0: the target-only graph (output target_logprobs [B, T], py/export_target.py) from the SHIPPED 1.3.0 fp32
  # graph: its weights are recovered from the ONNX initializers (py/recover_from_onnx.py), no checkpoint needed.
  # The 1.3.0 files come from git (OLD_REV: the last commit that shipped them) into $W/v1.3.0, which the parity
  # check and bench/scorer-speed.ts compare against. SRC=models/embedded re-exports from the 1.4.0 graph itself.
  OLD_REV=${OLD_REV:-9570b45}
  OLD="$W/v1.3.0"
  mkdir -p "$OLD/onnx"
  for f in config.json tokenizer.json tokenizer_config.json generation_config.json torch_reference.json \
           onnx/model.onnx onnx/model_quantized.onnx onnx/model_q4.onnx; do
    git show "$OLD_REV:models/embedded/$f" > "$OLD/$f"
  done
  SRC=${SRC:-$OLD}
  $PY tools/model/py/export_target.py "$SRC" "$OUT" --fold-copy "$W/model_target_folded.onnx" --version 1.4.0
  $PY tools/model/py/quantize.py "$OUT" q4 "$W/model_target_folded.onnx"  # onnx/model_q4.onnx
  $PY tools/model/py/quantize_weight_only.py "$OUT"                         # onnx/model_quantized.onnx (q8)
  node tools/model/check_parity.mjs --target "$OUT" --old "$OLD"
fi
du -b "$OUT"/onnx/* 2>/dev/null || true
