#!/bin/sh
# Debian data packages for the TuxAV dataset (docs/data.md; tuxpaint-stamps-default is the one it reads): real object pictures
# and people saying their names in many languages. GPL-2+; never bundled with the SDK.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends tuxpaint-stamps-default ktuberling-data >/dev/null
