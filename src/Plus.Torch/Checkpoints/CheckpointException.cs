namespace Plus.Torch.Checkpoints;

/// <summary>
/// A checkpoint file or folder could not be read or does not match the model: a missing or mis-shaped tensor,
/// a truncated or malformed safetensors file, an unknown dtype or an unsupported <c>config.json</c>.
/// </summary>
/// <remarks>The message always names the file and, where one is at fault, the tensor or the config key.</remarks>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, naming the file and tensor.</param>
    /// <param name="filePath">The file at fault.</param>
    /// <param name="tensorName">The tensor at fault, when one is.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CheckpointException(string message, string? filePath = null, string? tensorName = null, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">What went wrong.</param>
    public CheckpointException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public CheckpointException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public CheckpointException()
    {
    }

    /// <summary>The file at fault, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The tensor at fault, when one is.</summary>
    public string? TensorName { get; }
}
