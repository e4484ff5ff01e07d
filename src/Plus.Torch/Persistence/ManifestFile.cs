namespace Plus.Torch.Persistence;

/// <summary>One file of a saved model, as listed in the manifest: checked for presence, size and digest on load.</summary>
/// <param name="Path">The path relative to the model folder, with '/' separators.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Sha256">SHA-256 of the bytes, lower-case hex.</param>
public sealed record ManifestFile(string Path, long Size, string Sha256);
