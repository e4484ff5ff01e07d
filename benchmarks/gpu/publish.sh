#!/usr/bin/env bash
# Run HERE (the development machine): publishes Plus.Benchmarks self-contained and trimmed against plain
# TorchSharp (no native libtorch: the GPU machine supplies PyTorch's), and packs it as .device-pub/bench.tgz
# (about 22 MB) so that it travels with the working tree to the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .device-pub/bench
dotnet publish benchmarks/Plus.Benchmarks -c Release -r linux-x64 --self-contained \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:PlusTorchBackend=none -p:TreatWarningsAsErrors=false \
  -o .device-pub/bench >/tmp/plus-bench-publish.log 2>&1 || { tail -30 /tmp/plus-bench-publish.log; exit 1; }
tar czf .device-pub/bench.tgz -C .device-pub bench
rm -rf .device-pub/bench
ls -la .device-pub/bench.tgz
