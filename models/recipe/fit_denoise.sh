#!/bin/sh
# fit_denoise.sh SRGAN PHOTOS SCALE MODEL.param > OUT.tsv: the gain over bicubic of MODEL (its
# JPEG twin beside it as MODEL-jpeg.bin, or an embedded name) on TRAINING.md's validation crops
# for each JPEG quality (0: no JPEG) and denoise strength; one `srgan eval` per cell. The best
# strength per quality is what src/model/denoise.c's sr_denoise_strength maps to (docs/training.md).
S=$1; V=$2/val; N=$3; M=$4
for q in 0 10 20 30 40 50 60 70 75 80 85 90 95 100; do
    for d in 0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1; do
        j=""
        [ "$q" = 0 ] || j="--jpeg $q"
        g=$("$S" eval --hr "$V" --crops --scale "$N" --model "$M" $j --denoise $d | awk '/^mean/{print $NF}')
        printf '%s\t%s\t%s\n' $q $d "$g"
    done
done
