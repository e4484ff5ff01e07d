using Microsoft.Extensions.AI;

namespace Plus.ZeroShot;

/// <summary>Options of <see cref="ChatClientPersonalizer"/>; in DI, set them through <c>AddChatClientPersonalizer(options => ...)</c> or <c>services.Configure&lt;T&gt;</c>.</summary>
public sealed class ChatClientPersonalizerOptions : IValidatableOptions
{
    /// <summary>The largest number of tokens per generated response (null: the client's default).</summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>
    /// The sampling temperature (null: the client's default). Best-of-N needs diverse candidates, so keep it above 0
    /// when asking for more than one (the paper samples at 1.0).
    /// </summary>
    public float? Temperature { get; set; }

    /// <summary>The model to ask (null: the client's default).</summary>
    public string? ModelId { get; set; }

    /// <summary>Builds the <see cref="ChatOptions"/> sent with each request.</summary>
    public ChatOptions ToChatOptions() => new() { MaxOutputTokens = MaxOutputTokens, Temperature = Temperature, ModelId = ModelId };

    /// <summary>The configuration section: <c>Plus:Personalizer</c>.</summary>
    public const string SectionName = "Plus:Personalizer";

    /// <inheritdoc />
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxOutputTokens is < 1) errors.Add($"{SectionName}:{nameof(MaxOutputTokens)} must be at least 1 (or unset), found {MaxOutputTokens}.");
        if (Temperature is { } t && !(t >= 0 && float.IsFinite(t))) errors.Add($"{SectionName}:{nameof(Temperature)} must be a finite number ≥ 0 (or unset), found {t}.");
        if (ModelId is not null && string.IsNullOrWhiteSpace(ModelId)) errors.Add($"{SectionName}:{nameof(ModelId)} must not be blank (leave it unset).");
        return errors;
    }
}
