#!/usr/bin/env python3
# New tuning queries, kept apart from the held-out set without anyone reading it (issue 16): a
# candidate (one `query,expected-code` per line) is dropped when its difflib ratio or bigram
# coverage against any held-out query exceeds 0.5 (only the count of those is printed), or against
# an existing tuning query (printed, to keep the set varied). Kept rows go to stdout as CSV lines
# to append to Tests/HotlineStoreTests/Fixtures/kb-relevance-tuning.csv.
# Usage: scripts/relevance-filter.py candidates.txt >> Tests/HotlineStoreTests/Fixtures/kb-relevance-tuning.csv
#        scripts/relevance-filter.py --questions similar-questions.txt   (相似问 for the KB seed, below)
import csv, difflib, sys
import os
F = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Tests', 'HotlineStoreTests', 'Fixtures') + '/'
held = [r['query'] for r in csv.DictReader(open(F + 'kb-relevance-heldout.csv'))]
tune = [r['query'] for r in csv.DictReader(open(F + 'kb-relevance-tuning.csv'))]
def bigrams(s): return {s[i:i+2] for i in range(len(s) - 1)}
def close(q, others):
    bq = bigrams(q)
    for o in others:
        if difflib.SequenceMatcher(None, q, o).ratio() > 0.5: return True
        bo = bigrams(o)
        if bq and len(bq & bo) / len(bq) > 0.5: return True
        if bo and len(bq & bo) / len(bo) > 0.5: return True
    return False
if sys.argv[1] == '--questions':
    # Similar questions (相似问) for the KB seed, one entry a line: `CODE|q1|q2|…`. A question near
    # a held-out query is dropped (only the count printed), so the held-out set keeps measuring
    # questions the base was not written from. Kept lines go to stdout in the same form.
    dh, kept = 0, 0
    for line in open(sys.argv[2]):
        code, *questions = line.strip().split('|')
        if not code: continue
        keep = [q for q in questions if q and not close(q, held)]
        dh += len([q for q in questions if q]) - len(keep); kept += len(keep)
        print('|'.join([code] + keep))
    print(f'kept {kept}, dropped near held-out {dh}', file=sys.stderr)
    sys.exit(0)
kept, dh, dt = [], 0, 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith('#'): continue
    q, code = line.rsplit(',', 1)
    if close(q, held): dh += 1; continue
    if close(q, tune): dt += 1; print('near tuning:', q, file=sys.stderr); continue
    kept.append((q, code))
for q, c in kept: print(f'{q},{c}')
print(f'kept {len(kept)}, dropped near held-out {dh}, near tuning {dt}', file=sys.stderr)
