using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Plus;
using Plus.Torch;
using Plus.Torch.Chat;
using Plus.Torch.Modeling;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a local model as the application's <see cref="IChatClient"/>.</summary>
public static class PlusBuilderLocalModelExtensions
{
    /// <summary>
    /// Registers <see cref="LocalChatClient"/> (a singleton that loads the model on first use and disposes it with the
    /// container) and maps <see cref="IChatClient"/> to it unless one is already registered. The model is
    /// <see cref="LocalChatClientOptions.ModelDirectory"/>, or the embedded default <c>plus-tiny-qwen2</c> when unset.
    /// Options are validated at start-up by <see cref="LocalChatClientOptions.Validate"/>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddLocalChatClient(this PlusBuilder builder, Action<LocalChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<LocalChatClientOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Registers <see cref="LocalChatClient"/> as <see cref="AddLocalChatClient(PlusBuilder, Action{LocalChatClientOptions}?)"/>
    /// does, with options bound from <paramref name="configuration"/> (pass the <c>Plus:LocalChatClient</c> section).
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddLocalChatClient(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<LocalChatClientOptions>().Bind(configuration).ValidateOnStart();
        return Register(builder);
    }

    private static PlusBuilder Register(PlusBuilder builder)
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocalChatClientOptions>, OptionsValidator<LocalChatClientOptions>>());
        builder.Services.TryAddSingleton(sp => Create(sp.GetRequiredService<IOptions<LocalChatClientOptions>>().Value, sp.GetService<IOptions<TorchBackendOptions>>()?.Value));
        builder.Services.TryAddSingleton<IChatClient>(sp => sp.GetRequiredService<LocalChatClient>());
        return builder;
    }

    private static LocalChatClient Create(LocalChatClientOptions options, TorchBackendOptions? backend)
    {
        var device = TorchRuntime.ResolveDevice(options.Device);
        var dtype = TorchRuntime.ResolveDType(options.DType ?? backend?.DType, device);
        bool embedded = string.IsNullOrWhiteSpace(options.ModelDirectory);
        string directory = embedded ? DefaultModels.ExtractTinyQwen2() : options.ModelDirectory!;
        var tokenizer = HfTokenizer.Load(directory);
        var model = CausalLM.FromPretrained(directory, device, dtype);
        try
        {
            if (options.AdapterPath is { } adapter) Plus.Torch.Lora.LoraAdapter.Load(model, adapter);
            var formatter = options.ChatFormat is { } format ? ChatFormatters.FromName(format) : null;
            var generator = new TextGenerator(model, tokenizer, formatter);
            string modelId = !string.IsNullOrWhiteSpace(options.ModelId)
                ? options.ModelId
                : embedded ? DefaultModels.TinyQwen2 : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
            var clientOptions = new LocalChatClientOptions
            {
                ModelDirectory = options.ModelDirectory,
                Device = options.Device,
                DType = options.DType,
                AdapterPath = options.AdapterPath,
                ChatFormat = options.ChatFormat,
                ModelId = modelId,
                MaxOutputTokens = options.MaxOutputTokens,
                Temperature = options.Temperature,
                TopP = options.TopP,
                TopK = options.TopK,
            };
            return new LocalChatClient(generator, clientOptions, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
