#!/usr/bin/env bash
# The packaging check of .ci/run (docs/packages.md): packs the four packages into a local feed in a temporary folder,
# checks their metadata (check-packages.cs), then plays a new user on this machine: a console project in another
# temporary folder with an EMPTY NuGet package cache (NUGET_PACKAGES), restored from that feed plus the normal
# sources, with the packages the README's install section lists, built and run (Program.cs: a forward/backward pass
# and one summary from the default model). It also checks that the NuGet cache's libLibTorchSharp.so is left as
# restored and that a second build changes nothing. Prints "packages: PASS" or "packages: FAIL (...)"; exit 0 = pass.
#   bash tests/consumer/run.sh            # PLUS_CONSUMER_FRESH_HTTP_CACHE=1 also empties NuGet's download cache
set -uo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
repo=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/plus-consumer-XXXXXX")
keep=${PLUS_CONSUMER_KEEP:-0}
trap '[ "$keep" = 1 ] && echo "packages: kept $work" || rm -rf "$work"' EXIT
start=$SECONDS
fail() { echo "packages: FAIL ($*) after $((SECONDS - start)) s"; exit 1; }
phase() { echo "packages: $1 ($((SECONDS - start)) s)"; }

# 1. Pack. Version is the repository's; the consumer's cache is empty, so nothing packed earlier can be picked up.
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -1)
[ -n "$version" ] || fail "no <Version> in Directory.Build.props"
feed=$work/feed
# One build of the two leaves (Plus.Baselines brings Core and Torch; incremental after .ci/run's test build), then
# four packs without building again.
for project in src/Plus.Baselines/Plus.Baselines.csproj src/Plus.Models.Tiny/Plus.Models.Tiny.csproj; do
  dotnet build "$project" -c Release > "$work/pack.log" 2>&1 || { tail -30 "$work/pack.log"; fail "dotnet build $project"; }
done
for project in src/Plus.Core/Plus.Core.csproj src/Plus.Torch/Plus.Torch.csproj src/Plus.Baselines/Plus.Baselines.csproj src/Plus.Models.Tiny/Plus.Models.Tiny.csproj; do
  dir=$(dirname "$project")
  for api in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
    [ -f "$dir/$api" ] || fail "$dir/$api is missing (public API tracking)"
  done
  dotnet pack "$project" -c Release --no-build -o "$feed" > "$work/pack.log" 2>&1 || { tail -30 "$work/pack.log"; fail "dotnet pack $project"; }
done
phase "packed $version into $feed"

# 2. Metadata. SourceLink maps need a GitHub remote; a clone without one still gets <repository url commit>.
sourcelink=""
case "$(git remote get-url origin 2>/dev/null)" in *github.com*) sourcelink=--sourcelink ;; *) echo "packages: no GitHub remote 'origin', so the SourceLink map is not required (repository url and commit are)" ;; esac
mkdir -p "$work/check" && cp tests/consumer/check-packages.cs "$work/check/"
(cd "$work/check" && dotnet run check-packages.cs -- "$feed" "$version" $sourcelink) || fail "package metadata"
phase "metadata checked"

# 3. A new user's project, outside the repository (no Directory.Build.props applies), with an empty package cache.
export NUGET_PACKAGES=$work/packages
[ "${PLUS_CONSUMER_FRESH_HTTP_CACHE:-0}" = 1 ] && export NUGET_HTTP_CACHE_PATH=$work/http-cache
app=$work/app
dotnet new console -n Consumer -o "$app" --no-restore > /dev/null || fail "dotnet new console"
cp tests/consumer/Program.cs "$app/Program.cs"
# Plus.* only from the local feed (package source mapping), everything else from this machine's usual sources.
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration><packageSources><clear />'
  echo "  <add key=\"plus-local\" value=\"$feed\" />"
  n=0; sources=()
  while read -r state url; do
    [ "$state" = E ] || continue
    [ "$url" = "$feed" ] && continue
    n=$((n + 1)); sources+=("source$n"); echo "  <add key=\"source$n\" value=\"$url\" />"
  done < <(cd "$repo" && dotnet nuget list source --format short)
  echo '</packageSources><packageSourceMapping>'
  echo '  <packageSource key="plus-local"><package pattern="Plus.*" /></packageSource>'
  for s in "${sources[@]}"; do echo "  <packageSource key=\"$s\"><package pattern=\"*\" /></packageSource>"; done
  echo '</packageSourceMapping></configuration>'
} > "$app/nuget.config"
[ "$n" -gt 0 ] || fail "no enabled NuGet source besides the local feed"
for package in "Plus.Core $version" "Plus.Torch $version" "Plus.Baselines $version" "Plus.Models.Tiny $version" \
               "TorchSharp-cpu 0.107.0" "Microsoft.Extensions.DependencyInjection 11.0.0"; do
  set -- $package
  dotnet add "$app/Consumer.csproj" package "$1" --version "$2" --no-restore > /dev/null || fail "dotnet add package $1"
done
dotnet restore "$app/Consumer.csproj" > "$work/restore.log" 2>&1 || { tail -30 "$work/restore.log"; fail "restore into an empty NUGET_PACKAGES"; }
phase "restored into the empty cache $NUGET_PACKAGES"

cached=$NUGET_PACKAGES/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so
[ -f "$cached" ] || fail "TorchSharp's native library is not at $cached"
before=$(sha256sum "$cached")
dotnet build "$app/Consumer.csproj" -c Release --no-restore > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "consumer build"; }
phase "built"
grep -h "Plus.Torch: system libstdc++" "$work/build.log" | sed 's/^ */packages: build said: /'
[ "$(sha256sum "$cached")" = "$before" ] || fail "the build modified the NuGet cache's $cached"
output=$(find "$app/bin/Release" -name libLibTorchSharp.so -path '*linux-x64*' | head -1)
[ -n "$output" ] || fail "no libLibTorchSharp.so in the consumer's output"
needs_fix=1
for lib in /lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
  if [ -f "$lib" ]; then grep -qa 'GLIBCXX_3\.4\.32' "$lib" && needs_fix=0; break; fi
done
if [ "$needs_fix" = 1 ]; then
  grep -q "Plus.Torch: system libstdc++ lacks GLIBCXX_3.4.32" "$work/build.log" || fail "the build did not report the native fix"
  cmp -s "$cached" "$output" && fail "the output's libLibTorchSharp.so was not patched"
else
  cmp -s "$cached" "$output" || fail "the output's libLibTorchSharp.so was changed on a system that does not need it"
fi

# Idempotent: a second build neither copies nor patches again.
dotnet build "$app/Consumer.csproj" -c Release --no-restore > "$work/build2.log" 2>&1 || { tail -30 "$work/build2.log"; fail "second consumer build"; }
grep -q "Plus.Torch: system libstdc++" "$work/build2.log" && fail "the second build patched again"
phase "rebuilt without patching again"

# 4. Run it. The default model's extraction cache goes to the temporary folder too.
PLUS_SDK_CACHE=$work/models dotnet "$app/bin/Release/net10.0/Consumer.dll" > "$work/run.log" 2>&1; rc=$?
sed 's/^/packages: /' "$work/run.log" | tail -8
[ "$rc" -eq 0 ] && grep -q "consumer: ok" "$work/run.log" || fail "the consumer program exited with $rc"
[ "$(sha256sum "$cached")" = "$before" ] || fail "running modified the NuGet cache's $cached"
echo "packages: PASS in $((SECONDS - start)) s"
