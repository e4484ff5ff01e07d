using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Training;

/// <summary>ChatML that runs an action once, the next time it formats after being armed: a hook inside a training step.</summary>
internal sealed class ArmedFormatter : IChatFormatter
{
    private readonly ChatMlFormatter _inner = new();

    public Action? OnNextFormat { get; set; }

    public string Name => _inner.Name;

    public string EndOfTurnToken => _inner.EndOfTurnToken;

    public IReadOnlyList<string> StopStrings => _inner.StopStrings;

    public string Format(IEnumerable<ChatTurn> turns, bool addGenerationPrompt)
    {
        var action = OnNextFormat;
        OnNextFormat = null;
        action?.Invoke();
        return _inner.Format(turns, addGenerationPrompt);
    }
}
