#!/bin/bash
# fetch_photos.sh DEST - the training photos for srgan's own models, taken from Debian 12 packages
# (apt-get download + dpkg -x; no other network): 137 photos, ~300 MP, as DEST/train/<package>/
# <file> (127) and DEST/val/<package>/<file> (the 10 held out, TRAINING.md's fixed validation set).
# The list of packages and files is the one in ../shared/data/TRAINING.md; drawings and a
# deliberately blurred picture in `scratch` are left out.
set -euo pipefail
dest=${1:?usage: fetch_photos.sh DEST}
mkdir -p "$dest" && top=$(cd "$dest" && pwd) && dest=$top/train
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cd "$tmp" && chmod 755 "$tmp"   # apt-get download runs as _apt
[ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ] || apt-get update -qq
apt-get download -qq mate-backgrounds plasma-workspace-wallpapers lomiri-wallpapers-16.04 \
    lomiri-wallpapers-20.04 lxqt-themes sddm-theme-maldives digikam-data kphotoalbum scratch \
    tuxtype-data
for deb in *.deb; do
    pkg=$(dpkg-deb -f "$deb" Package)
    mkdir -p "root/$pkg" && dpkg -x "$deb" "root/$pkg"
done

# grab PKG DIR NAME... : copy root/PKG/DIR/NAME into DEST/PKG (NAME may be a glob)
grab() {
    local pkg=$1 dir=$2 name
    shift 2
    mkdir -p "$dest/$pkg"
    for name in "$@"; do
        for f in "root/$pkg/$dir"/$name; do
            [ -e "$f" ] && cp "$f" "$dest/$pkg/"
        done
    done
}
grab mate-backgrounds usr/share/backgrounds/mate/nature '*.jpg'
mkdir -p "$dest/plasma-workspace-wallpapers"   # all named 2560x1600.jpg: keep the wallpaper's name
for w in FallenLeaf Path DarkestHour summer_1am EveningGlow Grey ColorfulCups OneStandsOut \
         ColdRipple BytheWater; do
    cp "root/plasma-workspace-wallpapers/usr/share/wallpapers/$w/contents/images/2560x1600.jpg" \
       "$dest/plasma-workspace-wallpapers/$w.jpg"
done
grab lomiri-wallpapers-16.04 usr/share/backgrounds Bridge_by_Sander_Klootwijk.jpg \
    Dragonfly_by_Bolly.jpg Picture_0B_by_freespace.jpg Picture_1A_by_freespace.jpg \
    Wine_by_Jakkub_Mede.jpg aitzgorri_by_Aitzol_Berasategi.jpg free_by_Peter_Nerlich.jpg \
    friends_by_Aitzol_Berasategi.jpg life_by_Aitzol_Berasategi.jpg \
    picosdeeuropa_by_Aitzol_Berasategi.jpg seeding_by_Clements_Engelhardt.jpg \
    sunset_by_Aitzol_Berasategi.jpg
grab lomiri-wallpapers-20.04 usr/share/backgrounds Kleiber_by_Lukas_Baubkus.jpg
grab lxqt-themes usr/share/lxqt/wallpapers flowers.png fog.jpg after-the-rain.jpg \
    Butterfly-Kenneth-Wimer.jpg beam.png Valendas.png appleflower.png cloud.png drop.png \
    this-is-not-windows.jpg butterfly.png
grab sddm-theme-maldives usr/share/sddm/themes/maldives background.jpg
grab digikam-data usr/share/digikam/about/images body-background.jpg
grab kphotoalbum usr/share/kphotoalbum/demo '*.jpg'
for sub in Nature Outdoors Sports Indoors; do
    grab scratch "usr/share/scratch/Media/Backgrounds/$sub" '*.jpg'
done
for f in woods-and-bench brick-wall1 school2 room1 room2 room3 spotlight-stage party-room graffiti; do
    rm -f "$dest/scratch/$f.jpg"
done
grab tuxtype-data usr/share/tuxtype/images kcas0.jpg kcas1.jpg kcas2.jpg kcas3.jpg kcas4.jpg \
    kcas5.jpg kcas6.jpg kcas7.jpg kcas8.jpg kcas9.jpg kcas10.jpg kcas11.jpg hidden.jpg
for f in kphotoalbum/bar55_2.jpg kphotoalbum/qt-logo.jpg lomiri-wallpapers-16.04/free_by_Peter_Nerlich.jpg \
         lxqt-themes/drop.png mate-backgrounds/Wood.jpg scratch/baseball-field.jpg \
         scratch/city-with-water.jpg scratch/houses.jpg scratch/the-movies.jpg tuxtype-data/kcas2.jpg; do
    mkdir -p "$top/val/${f%/*}" && mv "$dest/$f" "$top/val/$f"
done
echo "$(find "$dest" -type f | wc -l) training and $(find "$top/val" -type f | wc -l) validation photos in $top"
