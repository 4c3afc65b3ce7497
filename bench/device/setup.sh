# Sourced on a bare GPU machine from the repo root, after bench/device/pack.sh filled .gpu/ here:
# unpacks Node, node_modules (webgpu + any packages named to pack.sh) and the Vulkan loader, and points
# the loader at the NVIDIA ICD.
G=$(pwd)/.gpu
tar -C / -xJf "$G/node.tar.xz"
mkdir -p node_modules && rm -rf /tmp/sscl-nm && mkdir -p /tmp/sscl-nm && tar -C /tmp/sscl-nm -xJf "$G/nm.tar.xz" && cp -r /tmp/sscl-nm/nm/. node_modules/
for f in "$G"/*.deb; do dpkg -x "$f" /; done
ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
