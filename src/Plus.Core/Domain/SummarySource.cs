namespace Plus;

/// <summary>Where a <see cref="UserSummary"/> came from.</summary>
public enum SummarySource
{
    /// <summary>Written by a summarizer model from the user's context.</summary>
    Generated = 0,

    /// <summary>Supplied or edited by the user or the application.</summary>
    UserProvided = 1,

    /// <summary>The ground-truth preference text of a synthetic data set.</summary>
    Oracle = 2,
}
