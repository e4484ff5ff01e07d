using System;
using System.IO;
using System.Text;

// MSBuild inline task (see Plus.Torch.targets; packed as buildTransitive/ content of Plus.Torch, never compiled into
// an application). Written for this project; the ELF layout follows the System V gABI (Elf64_Ehdr, Elf64_Shdr,
// Elf64_Verneed, Elf64_Vernaux). It only ever rewrites the build or publish output's copies, never the NuGet cache.
public class PlusWeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    [Microsoft.Build.Framework.Required]
    public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (SystemHasVersion()) return true;
        var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        var patched = new System.Collections.Generic.List<string>();
        foreach (var item in Files)
        {
            string path = Path.GetFullPath(item.ItemSpec);
            if (!seen.Add(path) || !File.Exists(path)) continue;
            try
            {
                if (Weaken(path, Version) > 0) patched.Add(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogWarning("Plus.Sdk: could not patch " + path + " for " + Version + ": " + ex.Message);
            }
        }
        if (patched.Count > 0)
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                "Plus.Torch: system libstdc++ lacks " + Version + "; marked that requirement weak in " + string.Join("; ", patched) +
                " so TorchSharp loads on this Linux (PlusSkipTorchSharpNativeFix=true turns this off).");
        return !Log.HasLoggedErrors;
    }

    private bool SystemHasVersion()
    {
        string[] candidates =
        {
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            byte[] data = File.ReadAllBytes(c);
            byte[] needle = Encoding.ASCII.GetBytes(Version + "\0");
            return IndexOf(data, needle) >= 0;
        }
        return true; // Unknown layout: leave the library alone.
    }

    private static int IndexOf(byte[] data, byte[] needle)
    {
        for (int i = 0; i <= data.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && data[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="version"/>; returns how many changed.</summary>
    public static int Weaken(string path, string version)
    {
        byte[] d = File.ReadAllBytes(path);
        if (d.Length < 64 || d[0] != 0x7F || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F' || d[4] != 2 || d[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        long shoff = BitConverter.ToInt64(d, 0x28);
        int shentsize = BitConverter.ToUInt16(d, 0x3A), shnum = BitConverter.ToUInt16(d, 0x3C), shstrndx = BitConverter.ToUInt16(d, 0x3E);
        Func<int, long> secBase = i => shoff + (long)i * shentsize;
        long shstrOff = BitConverter.ToInt64(d, (int)secBase(shstrndx) + 0x18);
        int verneed = -1;
        for (int i = 0; i < shnum; i++)
        {
            int nameOff = BitConverter.ToInt32(d, (int)secBase(i));
            if (CString(d, shstrOff + nameOff) == ".gnu.version_r") { verneed = i; break; }
        }
        if (verneed < 0) return 0;
        long vrOff = BitConverter.ToInt64(d, (int)secBase(verneed) + 0x18);
        int link = BitConverter.ToInt32(d, (int)secBase(verneed) + 0x28);
        long strOff = BitConverter.ToInt64(d, (int)secBase(link) + 0x18);
        int changed = 0;
        long off = vrOff;
        while (true)
        {
            int cnt = BitConverter.ToUInt16(d, (int)off + 2);
            uint aux = BitConverter.ToUInt32(d, (int)off + 8);
            uint next = BitConverter.ToUInt32(d, (int)off + 12);
            long a = off + aux;
            for (int k = 0; k < cnt; k++)
            {
                ushort flags = BitConverter.ToUInt16(d, (int)a + 4);
                uint name = BitConverter.ToUInt32(d, (int)a + 8);
                uint anext = BitConverter.ToUInt32(d, (int)a + 12);
                if (CString(d, strOff + name) == version && (flags & 2) == 0)
                {
                    ushort nf = (ushort)(flags | 2);
                    d[a + 4] = (byte)(nf & 0xFF);
                    d[a + 5] = (byte)(nf >> 8);
                    changed++;
                }
                if (anext == 0) break;
                a += anext;
            }
            if (next == 0) break;
            off += next;
        }
        if (changed > 0)
        {
            // Keep the copied file's timestamp: MSBuild's incremental copy compares size and time, so the patched
            // output copy counts as up to date and is neither copied again nor patched again on the next build.
            DateTime written = File.GetLastWriteTimeUtc(path);
            string tmp = path + "." + Guid.NewGuid().ToString("N") + ".plus-tmp";
            File.WriteAllBytes(tmp, d);
            File.SetLastWriteTimeUtc(tmp, written);
            // A rename: readers see the old or the new file, never half of one, and a hard link to the NuGet
            // cache's file is replaced rather than written through.
            File.Replace(tmp, path, null);
        }
        return changed;
    }

    private static string CString(byte[] d, long off)
    {
        int end = (int)off;
        while (d[end] != 0) end++;
        return Encoding.ASCII.GetString(d, (int)off, end - (int)off);
    }
}
