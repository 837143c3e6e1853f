#!/usr/bin/env bash
# Knowledge-base relevance, honestly: hit@1 / hit@3 on the tuning set (the one the parameters and
# synonyms were chosen on) and on the held-out set (written apart, only ever scored), each cold and
# after replaying the learning set's answered calls as direct answers (the entries learn their
# callers' words through the answer verb). Each set runs on its own scratch database with the demo
# data; with and without the curated synonym table; Han text cut into bigrams (the service) and
# into dictionary words (jieba's dictionary, db/seed/segmentation, `--segmenter`).
# Usage: scripts/bench-relevance.sh [--misses]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
swift build --product hotline >/dev/null && swift build --product hotline-bench >/dev/null
BIN="$(swift build --show-bin-path)"
F=Tests/HotlineStoreTests/Fixtures
for cut in bigrams words; do
for synonyms in curated none; do
  for set in tuning heldout; do
    DB="relevance_$$_${set}"
    psql -X -q "$BASE/postgres" -c "CREATE DATABASE $DB"
    export DATABASE_URL="$BASE/$DB" LOG_LEVEL=error
    "$BIN/hotline" migrate >/dev/null && "$BIN/hotline" seed --demo >/dev/null
    [ "$synonyms" = none ] && psql -X -q "$DATABASE_URL" -c "DELETE FROM kb_synonyms"
    echo "== $set set ($(($(wc -l < "$F/kb-relevance-$set.csv") - 1)) queries), synonyms: $synonyms, cut: $cut, learning set: $(($(wc -l < "$F/kb-learning.csv") - 1)) calls"
    SEG=(); [ "$cut" = words ] && SEG=(--segmenter db/seed/segmentation/jieba-words.txt)
    "$BIN/hotline-bench" relevance "$F/kb-relevance-$set.csv" --learn "$F/kb-learning.csv" "${SEG[@]}" "$@"
    psql -X -q "$BASE/postgres" -c "DROP DATABASE $DB WITH (FORCE)"
  done
done
done
