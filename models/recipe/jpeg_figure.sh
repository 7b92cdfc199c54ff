#!/bin/sh
# jpeg_figure.sh SRGAN PHOTOS OUT.jpg: the README's JPEG figure (docs/jpeg-q75.jpg). PHOTOS is
# fetch_photos.sh's folder; needs ImageMagick. Three 192x192 crops of validation photos, each
# downscaled x4, saved as JPEG quality 75 (ImageMagick: libjpeg's tables, 4:2:0, as a camera or
# website writes it; --denoise auto reads 75 from the file), then: the JPEG (nearest x4) |
# bicubic | srgan --denoise 0 | srgan (--denoise auto) | the original. PSNR per panel printed.
set -e
S=$1; V=$2/val; OUT=$3; T=$(mktemp -d)
crop() { convert "$1" -crop 192x192+$2+$3 +repage "$T/$4.png"; }
crop $V/scratch/houses.jpg 140 90 a
crop $V/mate-backgrounds/Wood.jpg 1200 900 b
crop $V/tuxtype-data/kcas2.jpg 760 300 c
rows=""
for k in a b c; do
  $S downscale $T/$k.png $T/$k-lr.png --scale 4
  convert $T/$k-lr.png -quality 75 -sampling-factor 2x2 $T/$k-lr.jpg
  convert $T/$k-lr.jpg -filter point -resize 400% $T/$k-1.png
  $S resize $T/$k-lr.jpg $T/$k-2.png --scale 4 -q
  $S upscale $T/$k-lr.jpg $T/$k-0.png -q --denoise 0
  $S upscale $T/$k-lr.jpg $T/$k-3.png -q
  echo "$k: bicubic $($S psnr $T/$k.png $T/$k-2.png) / denoise 0 $($S psnr $T/$k.png $T/$k-0.png) / auto $($S psnr $T/$k.png $T/$k-3.png)"
  convert $T/$k-1.png $T/$k-2.png $T/$k-0.png $T/$k-3.png $T/$k.png +append $T/row-$k.png
  rows="$rows $T/row-$k.png"
done
convert $rows -append -quality 92 "$OUT"
rm -rf "$T"
