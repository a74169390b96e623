#!/usr/bin/env bash
# The whole `skpanda` command-line workflow on the shipped Adult data:
#   fit -> select -> (an annotator labels the rows) -> train -> predict -> report
#
# Usage:  bash examples/workflow_cli.sh [FOLDER]
#   FOLDER  where every file goes (default: a new temporary folder); nothing is
#           written anywhere else.
# Environment: PYTHON (default: python3) runs `$PYTHON -m skpanda`; BUDGET (default: 200)
# is the number of rows to label. Takes about 15 s on one CPU core.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
BUDGET="${BUDGET:-200}"
DIR="${1:-$(mktemp -d "${TMPDIR:-/tmp}/skpanda-workflow.XXXXXX")}"
mkdir -p "$DIR"
cd "$DIR"
skpanda() { "$PYTHON" -m skpanda "$@"; }

# 0. Data: 4,000 labeled rows (D0), a pool of 4,000 rows without their label (its hidden
#    labels stand in for the annotator in step 3) and 4,000 labeled test rows.
"$PYTHON" - <<'EOF'
from skpanda.datasets import load_adult

df = load_adult().frame.sample(12000, random_state=0).reset_index(drop=True)
df.iloc[:4000].to_csv("d0.csv", index=False)
df.iloc[4000:8000].drop(columns="income").to_csv("pool.csv", index=False)
df.iloc[4000:8000][["income"]].to_csv("truth.csv", index=False)
df.iloc[8000:].to_csv("test.csv", index=False)
EOF

# 1. Fit the selector on D0 (default --method random: see `skpanda fit --help`).
skpanda fit --data d0.csv --target income --sensitive sex --budget "$BUDGET" --out model

# 2. Choose the pool rows to label: to_label.csv holds rank, row, the rows' own columns and an
#    empty income column.
skpanda select --model model --pool pool.csv --budget "$BUDGET" --out to_label.csv

# 3. The annotator fills in the income column (here: from the held-out truth).
"$PYTHON" -c "import pandas as pd; t = pd.read_csv('to_label.csv'); t['income'] = pd.read_csv('truth.csv')['income'].to_numpy()[t['row']]; t.to_csv('labeled.csv', index=False)"

# 4. Train the final model on the labeled rows (default learner: the pool learner, one
#    threshold per group chosen on the unlabeled pool under the --rho of `fit`).
skpanda train --model model --labeled labeled.csv --pool pool.csv --out final

# 5. Predict new rows, then report per-group rates and disparities on the test rows.
skpanda predict --model final --data test.csv --out predictions.csv
skpanda report --model final --data test.csv --out report

echo "Workflow finished; files in $DIR"
