using Microsoft.Extensions.AI;

namespace Plus.ZeroShot;

/// <summary>Options of <see cref="ChatClientPreferenceJudge"/>; in DI, set them through <c>AddChatClientJudge(options => ...)</c> or <c>services.Configure&lt;T&gt;</c>.</summary>
public sealed class ChatClientJudgeOptions : IValidatableOptions
{
    /// <summary>
    /// Seed of the option-order draw. The order is a function of the seed and the query (prompt and both responses),
    /// so the same query shows its responses in the same order with and without a summary, as the paper does.
    /// Null: <see cref="PlusOptions.Seed"/> when registered through DI, 42 otherwise.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>
    /// When no summary is passed, summarize the user's context with the configured <see cref="IUserSummarizer"/>
    /// (default true). With false, or without a summarizer, the judge uses the prompt without personalization.
    /// </summary>
    public bool SummarizeWhenMissing { get; set; } = true;

    /// <summary>The largest number of tokens the judge may answer with (null: the client's default).</summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>The sampling temperature (null: the client's default; 0 for the most repeatable answers).</summary>
    public float? Temperature { get; set; }

    /// <summary>The model to ask (null: the client's default).</summary>
    public string? ModelId { get; set; }

    /// <summary>Builds the <see cref="ChatOptions"/> sent with each request.</summary>
    public ChatOptions ToChatOptions() => new() { MaxOutputTokens = MaxOutputTokens, Temperature = Temperature, ModelId = ModelId };

    /// <summary>The configuration section: <c>Plus:Judge</c>.</summary>
    public const string SectionName = "Plus:Judge";

    /// <inheritdoc />
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxOutputTokens is < 1) errors.Add($"{SectionName}:{nameof(MaxOutputTokens)} must be at least 1 (or unset), found {MaxOutputTokens}.");
        if (Temperature is { } t && !(t >= 0 && float.IsFinite(t))) errors.Add($"{SectionName}:{nameof(Temperature)} must be a finite number ≥ 0 (or unset), found {t}.");
        if (ModelId is not null && string.IsNullOrWhiteSpace(ModelId)) errors.Add($"{SectionName}:{nameof(ModelId)} must not be blank (leave it unset).");
        if (Seed is < 0) errors.Add($"{SectionName}:{nameof(Seed)} must be ≥ 0 (or unset), found {Seed}.");
        return errors;
    }
}
