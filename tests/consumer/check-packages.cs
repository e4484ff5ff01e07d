// Checks the packed Plus.Sdk packages (docs/packages.md, "What every package carries"); run by run.sh as a .NET
// file-based app from a copy outside the repository:  dotnet run check-packages.cs -- FEED_DIR VERSION [--sourcelink]
// Prints one line per package and exits 1 when any requirement is missing.
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;

if (args.Length < 2) { Console.Error.WriteLine("usage: check-packages.cs FEED_DIR VERSION [--sourcelink]"); return 2; }
string feed = args[0], version = args[1];
bool requireSourceLink = args.Contains("--sourcelink");
string[] packages = ["Plus.Core", "Plus.Torch", "Plus.Baselines", "Plus.Models.Tiny"];
int failures = 0;

foreach (string id in packages)
{
    var problems = new List<string>();
    string nupkg = Path.Combine(feed, $"{id}.{version}.nupkg"), snupkg = Path.Combine(feed, $"{id}.{version}.snupkg");
    if (!File.Exists(nupkg)) { Console.WriteLine($"FAIL {id}: {nupkg} is missing"); failures++; continue; }
    using (var zip = ZipFile.OpenRead(nupkg))
    {
        var nuspecEntry = zip.GetEntry($"{id}.nuspec");
        if (nuspecEntry is null) { Console.WriteLine($"FAIL {id}: no {id}.nuspec in {nupkg}"); failures++; continue; }
        XElement metadata;
        using (var s = nuspecEntry.Open()) metadata = XDocument.Load(s).Root!.Elements().First(e => e.Name.LocalName == "metadata");
        string? Get(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        XElement? Element(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name);

        string? readme = Get("readme");
        if (string.IsNullOrWhiteSpace(readme)) problems.Add("no <readme>");
        else if (zip.GetEntry(readme) is null) problems.Add($"<readme> names {readme}, which the package lacks");
        var license = Element("license");
        if (license is null || string.IsNullOrWhiteSpace(license.Value)) problems.Add("no <license>");
        if (string.IsNullOrWhiteSpace(Get("description")) || Get("description")!.Length < 40) problems.Add("no real <description>");
        if (string.IsNullOrWhiteSpace(Get("tags"))) problems.Add("no <tags>");
        if (string.IsNullOrWhiteSpace(Get("projectUrl"))) problems.Add("no <projectUrl>");
        var repository = Element("repository");
        if (repository is null || string.IsNullOrWhiteSpace((string?)repository.Attribute("url")))
            problems.Add("no <repository url>");
        else if (string.IsNullOrWhiteSpace((string?)repository.Attribute("commit")))
            problems.Add("<repository> has no commit (SourceLink did not read git)");
        if (zip.GetEntry($"lib/net10.0/{id}.dll") is null) problems.Add($"no lib/net10.0/{id}.dll");
        if (zip.GetEntry($"lib/net10.0/{id}.xml") is null) problems.Add($"no lib/net10.0/{id}.xml (XML docs)");

        if (id == "Plus.Torch")
        {
            foreach (string f in new[] { "buildTransitive/Plus.Torch.targets", "buildTransitive/WeakenGlibcxxRequirement.cs" })
                if (zip.GetEntry(f) is null) problems.Add($"no {f} (the TorchSharp native fix)");
            long size = zip.GetEntry("lib/net10.0/Plus.Torch.dll")?.Length ?? 0;
            if (size > 2_000_000) problems.Add($"Plus.Torch.dll is {size:N0} bytes: the default model must live in Plus.Models.Tiny");
            if (zip.Entries.Any(e => e.FullName.StartsWith("contentFiles/", StringComparison.Ordinal) || e.FullName.StartsWith("content/", StringComparison.Ordinal)))
                problems.Add("content files would be compiled into applications");
        }

        if (id == "Plus.Models.Tiny" && (zip.GetEntry("lib/net10.0/Plus.Models.Tiny.dll")?.Length ?? 0) < 1_000_000)
            problems.Add("Plus.Models.Tiny.dll does not hold the model");
    }

    if (!File.Exists(snupkg)) problems.Add($"no symbol package {Path.GetFileName(snupkg)}");
    else
    {
        using var symbols = ZipFile.OpenRead(snupkg);
        var pdb = symbols.GetEntry($"lib/net10.0/{id}.pdb");
        if (pdb is null) problems.Add($"{Path.GetFileName(snupkg)} has no lib/net10.0/{id}.pdb");
        else if (requireSourceLink)
        {
            using var s = pdb.Open();
            using var buffer = new MemoryStream();
            s.CopyTo(buffer);
            // A portable PDB keeps the SourceLink map as UTF-8 JSON: {"documents":{"/path/*":"https://raw.githubusercontent.com/..."}}
            string text = Encoding.UTF8.GetString(buffer.ToArray());
            if (!text.Contains("\"documents\"", StringComparison.Ordinal) || !text.Contains("raw.githubusercontent.com", StringComparison.Ordinal))
                problems.Add($"{id}.pdb has no SourceLink map to raw.githubusercontent.com");
        }
    }

    Console.WriteLine(problems.Count == 0 ? $"ok   {id} {version}: readme, licence, description, tags, repository, symbols{(requireSourceLink ? ", SourceLink" : "")}" : $"FAIL {id}: {string.Join("; ", problems)}");
    if (problems.Count > 0) failures++;
}

return failures == 0 ? 0 : 1;
