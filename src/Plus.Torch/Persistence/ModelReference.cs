namespace Plus.Torch.Persistence;

/// <summary>
/// Where a saved adapter's base model is, and which exact model it was: the manifest's <c>base_model</c> entry.
/// </summary>
/// <param name="NameOrPath">The folder it was loaded from when training (PEFT's <c>base_model_name_or_path</c>).</param>
/// <param name="DefaultModel">The name of the embedded default model (<c>plus-tiny-qwen2</c>) when it is that one, so that it is found on any machine.</param>
/// <param name="Sha256">The digest of its weights and configuration (<see cref="ContentHash.OfModelFolder"/>).</param>
public sealed record ModelReference(string NameOrPath, string? DefaultModel, string Sha256);
