#!/usr/bin/env bash
# Installs the system packages sscl-sdk's tests need on a fresh Debian 12 machine:
#  - mesa-vulkan-drivers from bookworm-backports (Mesa 25 lavapipe; Debian 12's own Mesa 22 is rejected by Dawn)
#  - chromium (headless browser tests; also ships the SwiftShader Vulkan ICD)
# The backports entry is derived from the machine's existing apt sources (same mirror URI, same keyring):
# we never write a host name ourselves.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

bp=/etc/apt/sources.list.d/sscl-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  src=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    if grep -qE '^Suites:.*\bbookworm\b' "$f"; then src="$f"; break; fi
  done
  if [ -n "$src" ]; then
    # deb822: take the stanza whose Suites has plain 'bookworm', keep URIs/Components/Signed-By.
    uri=$(awk '/^URIs:/{u=$2} /^Suites:.*[ \t]bookworm([ \t]|$)/{print u; exit}' "$src")
    key=$(awk '/^Signed-By:/{print $2; exit}' "$src")
    { echo "Types: deb"; echo "URIs: $uri"; echo "Suites: bookworm-backports"; echo "Components: main";
      [ -n "$key" ] && echo "Signed-By: $key"; } | $SUDO tee "$bp" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    line=$(grep -E '^deb\s+\S+\s+bookworm\s' /etc/apt/sources.list | head -n1)
    echo "$line" | sed -E 's/\sbookworm\s/ bookworm-backports /' | $SUDO tee /etc/apt/sources.list.d/sscl-backports.list >/dev/null
  else
    echo "setup-system: no Debian bookworm apt source found to derive bookworm-backports from" >&2; exit 1
  fi
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null
# Optional: reference generators (PyTorch) are only for regenerating fixtures, never for CI.
if [ "${SSCL_WITH_TORCH:-0}" = 1 ]; then
  $SUDO apt-get install -y -qq python3-torch python3-torchvision python3-torchaudio python3-numpy python3-scipy >/dev/null
fi
echo "setup-system: mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), chromium $(dpkg-query -W -f='${Version}' chromium)"
