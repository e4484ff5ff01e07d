namespace Plus.Torch.Persistence;

/// <summary>
/// A saved trained-model folder cannot be read as it is: a missing or altered file, an unknown manifest version, a
/// base model that is missing or differs from the one trained on, a path that leaves the folder. The message names the
/// file at fault; nothing is loaded.
/// </summary>
public sealed class TrainedModelException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="filePath">The file at fault.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public TrainedModelException(string message, string? filePath, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public TrainedModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public TrainedModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TrainedModelException()
    {
    }

    /// <summary>The file at fault, when one is.</summary>
    public string? FilePath { get; }
}
