using Microsoft.Extensions.Logging;

namespace Plus.Core.Tests.ZeroShot;

/// <summary>A logger that keeps its entries.</summary>
internal sealed class ListLogger : ILogger<Plus.ZeroShot.ChatClientPreferenceJudge>
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Add((logLevel, formatter(state, exception)));
}
