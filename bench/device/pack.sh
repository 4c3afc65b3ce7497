#!/usr/bin/env bash
# Packs what a bare GPU machine (no Node, no network) needs to run our benchmarks on real WebGPU:
# this machine's Node binary, the `webgpu` package (Dawn), and the Vulkan loader + glvnd from Debian.
# Output: .gpu/ (git-ignored). On the GPU machine, from the repo root: `source bench/device/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu /tmp/sscl-amd64/partial
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/sscl-amd64'
apt-get $o update -qq
(cd .gpu && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
tar -C / -cf - usr/bin/node | xz -T2 -6 > .gpu/node.tar.xz
rm -rf /tmp/sscl-nm && mkdir -p /tmp/sscl-nm/nm && cp -r node_modules/webgpu /tmp/sscl-nm/nm/
rm -rf /tmp/sscl-nm/nm/webgpu/dist/{darwin-universal,linux-arm64,win32-arm64,win32-x64}
for p in "$@"; do cp -r "node_modules/$p" "/tmp/sscl-nm/nm/$(dirname "$p")/" 2>/dev/null || { mkdir -p "/tmp/sscl-nm/nm/$(dirname "$p")"; cp -r "node_modules/$p" "/tmp/sscl-nm/nm/$(dirname "$p")/"; }; done
tar -C /tmp/sscl-nm -cJf .gpu/nm.tar.xz nm
du -sh .gpu
