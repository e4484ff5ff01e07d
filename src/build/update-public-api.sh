#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of the packages from their current public surface (docs/packages.md).
# Run it after changing a public API (the build fails with RS0016 "not part of the declared public API" or RS0017
# "part of the declared API, but ... could not be found") and commit the diff, which is the API change to review.
#   bash src/build/update-public-api.sh                          # every package
#   bash src/build/update-public-api.sh src/Plus.Torch/Plus.Torch.csproj   # one
# Each Unshipped file is emptied first (so removed symbols disappear, RS0017), refilled by the analyzer's own code
# fix for RS0016 through `dotnet format analyzers`, and sorted (ordinal) so the diff is stable. PublicAPI.Shipped.txt
# is never touched: move lines there by hand when a version ships.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$#" -eq 0 ]; then
  set -- src/Plus.Core/Plus.Core.csproj src/Plus.Torch/Plus.Torch.csproj src/Plus.Baselines/Plus.Baselines.csproj src/Plus.Models.Tiny/Plus.Models.Tiny.csproj src/Plus.Cli/Plus.Cli.csproj src/Plus.Terminal/Plus.Terminal.csproj
fi
for project in "$@"; do
  dir=$(dirname "$project")
  unshipped="$dir/PublicAPI.Unshipped.txt"
  printf '#nullable enable\n' > "$unshipped"
  dotnet restore "$project" >/dev/null
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn --no-restore
  { echo '#nullable enable'; { grep -v '^#nullable enable$' "$unshipped" || true; } | { grep -v '^$' || true; } | LC_ALL=C sort -u; } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"
  echo "$unshipped: $(($(wc -l < "$unshipped") - 1)) symbols"
done
