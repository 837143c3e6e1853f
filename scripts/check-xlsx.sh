#!/usr/bin/env bash
# Opens an exported workbook the way a person would: LibreOffice (headless) converts it to PDF,
# pdftoppm renders page 1 to PNG for a look. Usage: scripts/check-xlsx.sh report.xlsx [out-dir]
set -euo pipefail
IN="$1"; OUT="${2:-$(mktemp -d)}"
command -v soffice >/dev/null || { echo "install libreoffice-calc-nogui poppler-utils fonts-noto-cjk" >&2; exit 2; }
soffice --headless --convert-to pdf --outdir "$OUT" "$IN" >/dev/null 2>&1
PDF="$OUT/$(basename "${IN%.*}").pdf"
[ -s "$PDF" ] || { echo "LibreOffice could not open $IN" >&2; exit 1; }
pdftoppm -r 110 -png -f 1 -l 1 "$PDF" "$OUT/page"
pdftotext -layout "$PDF" - | head -12
echo "rendered: $(ls "$OUT"/page*.png)"
