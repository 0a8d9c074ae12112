#!/usr/bin/env bash
# Remakes packages/notebook/fonts/: the views' PNG fonts (render-png.ts), Debian's DejaVu Sans and
# Sans Mono, regular and bold, cut to Latin-1, dashes, ellipsis and arrows with kerning kept (resvg
# reads a font file once per glyph: the whole files made the labels 2/3 of a picture's cost).
# Needs fonts-dejavu-core and python3-fonttools (apt). The fonts keep their names: the
# Bitstream Vera license asks for a new name only when one contains "Bitstream" or "Vera".
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/packages/notebook/fonts"
src=/usr/share/fonts/truetype/dejavu
for face in DejaVuSans DejaVuSans-Bold DejaVuSansMono DejaVuSansMono-Bold; do
  [ -f "$src/$face.ttf" ] || { echo "subset-fonts: $src/$face.ttf is missing (apt-get install fonts-dejavu-core)" >&2; exit 1; }
  /usr/bin/python3 -m fontTools.subset "$src/$face.ttf" --unicodes="U+0020-007E,U+00A0-00FF,U+2013,U+2014,U+2026,U+2190-2193" \
    --layout-features=kern --output-file="$out/$face.ttf" 2> >(grep -v "FFTM NOT subset" >&2) \
    || { echo "subset-fonts: fontTools failed (apt-get install python3-fonttools)" >&2; exit 1; }
done
cp /usr/share/doc/fonts-dejavu-core/copyright "$out/LICENSE-DejaVu"
echo "subset-fonts: $(du -sh "$out" | cut -f1) in $out"
