using Plus.Torch.Reward;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Vpl;

/// <summary>
/// A VPL reward model at the text level: frozen embeddings (<see cref="VplEmbedder"/>) in front of the trainable
/// <see cref="VplNetwork"/>. A query's conditioning must be the user's context
/// (<see cref="UserConditioning.FromContext"/>, at least one pair): its pairs give the user latent z, and the reward is
/// the reward MLP on <c>[e; z]</c>, e the frozen embedding of the query's prompt + response.
/// </summary>
/// <remarks>
/// <para>In train mode (<c>Network.train()</c>) <see cref="ForwardPairs"/> samples <c>z = μ + σ·ε</c> rescaled to
/// length √L; in eval mode, and always in <see cref="Score"/> and <see cref="PredictChosenProbabilities"/>, <c>z = μ</c>.
/// A user's μ and log σ² are computed once per distinct context in a call.</para>
/// <para>Thread-safety: <see cref="Score"/>, <see cref="ScoreAsync"/> and <see cref="PredictChosenProbabilities"/>
/// serialize on an internal lock; <see cref="ForwardPairs"/> must not run concurrently with anything else on the same
/// model. Disposing disposes the network when it is owned; the embedder's backbone is never disposed here.</para>
/// </remarks>
public sealed class VplRewardModel : IRewardModel, IDisposable
{
    private readonly Lock _gate = new();
    private readonly bool _ownsNetwork;
    private bool _disposed;

    /// <summary>Combines the frozen embedder and the trainable networks.</summary>
    /// <param name="embedder">The frozen embeddings.</param>
    /// <param name="network">The networks; its <see cref="VplNetwork.EmbeddingSize"/> must equal the embedder's.</param>
    /// <param name="ownsNetwork">Dispose <paramref name="network"/> with this object (default true).</param>
    /// <exception cref="ArgumentException">The sizes do not agree.</exception>
    public VplRewardModel(VplEmbedder embedder, VplNetwork network, bool ownsNetwork = true)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(network);
        if (network.EmbeddingSize != embedder.EmbeddingSize)
        {
            throw new ArgumentException($"The VPL network reads embeddings of size {network.EmbeddingSize} but the backbone's hidden size is {embedder.EmbeddingSize}.", nameof(network));
        }

        Embedder = embedder;
        Network = network;
        _ownsNetwork = ownsNetwork;
    }

    /// <summary>The frozen embeddings.</summary>
    public VplEmbedder Embedder { get; }

    /// <summary>The trainable networks.</summary>
    public VplNetwork Network { get; }

    /// <summary>μ and log σ² of each user from their context pairs (differentiable through the networks).</summary>
    /// <param name="contexts">The users' contexts, each with at least one pair.</param>
    /// <param name="cancellationToken">Checked while embedding.</param>
    /// <returns>μ [U, L] and log σ² [U, L] in the current dispose scope.</returns>
    /// <exception cref="ArgumentException">A context has no pair; the message names its index.</exception>
    public (Tensor Mean, Tensor LogVariance) EncodeUsers(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        if (contexts.Count == 0) throw new ArgumentException("At least one context is needed.", nameof(contexts));
        int maxPairs = 0;
        var chosenItems = new List<(Conversation, string)>();
        var rejectedItems = new List<(Conversation, string)>();
        for (int u = 0; u < contexts.Count; u++)
        {
            var pairs = contexts[u]?.Pairs ?? throw new ArgumentException($"contexts[{u}] is null.", nameof(contexts));
            if (pairs.Count == 0) throw new ArgumentException($"contexts[{u}] holds no preference pair; VPL infers the user from at least one context pair.", nameof(contexts));
            maxPairs = Math.Max(maxPairs, pairs.Count);
            foreach (var pair in pairs)
            {
                chosenItems.Add((pair.Prompt, pair.Chosen));
                rejectedItems.Add((pair.Prompt, pair.Rejected));
            }
        }

        var index = new long[contexts.Count * maxPairs];
        var mask = new bool[contexts.Count * maxPairs];
        int offset = 0, n = chosenItems.Count;
        for (int u = 0; u < contexts.Count; u++)
        {
            int count = contexts[u].Pairs.Count;
            for (int p = 0; p < maxPairs; p++)
            {
                index[u * maxPairs + p] = p < count ? offset + p : n;
                mask[u * maxPairs + p] = p < count;
            }

            offset += count;
        }

        using var scope = NewDisposeScope();
        var device = Network.Device;
        var padRow = zeros(1, Embedder.EmbeddingSize, ScalarType.Float32, device);
        var idx = tensor(index, ScalarType.Int64, device);
        var chosen = cat([Embedder.Embed(chosenItems, device, cancellationToken), padRow], 0).index_select(0, idx).view(contexts.Count, maxPairs, -1);
        var rejected = cat([Embedder.Embed(rejectedItems, device, cancellationToken), padRow], 0).index_select(0, idx).view(contexts.Count, maxPairs, -1);
        var maskT = tensor(mask, [contexts.Count, maxPairs], ScalarType.Bool, device);
        var (mean, logVar) = Network.EncodeUser(chosen, rejected, maskT);
        return (mean.MoveToOuterDisposeScope(), logVar.MoveToOuterDisposeScope());
    }

    /// <summary>Rewards of both responses of every pair under its user's latent, with gradients through the networks.</summary>
    /// <param name="pairs">The pairs; each conditioning must be the user's context.</param>
    /// <param name="noise">The generator of ε in train mode; null uses the global one.</param>
    /// <param name="cancellationToken">Checked while embedding.</param>
    /// <returns>Rewards, μ, log σ² and the latent used, in the current dispose scope.</returns>
    /// <exception cref="ArgumentException">A pair's conditioning is not a non-empty context; the message names the pair.</exception>
    public VplPairOutput ForwardPairs(IReadOnlyList<ConditionedPair> pairs, Generator? noise = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("At least one pair is needed.", nameof(pairs));
        var contexts = new UserContext[pairs.Count];
        var chosenItems = new (Conversation, string)[pairs.Count];
        var rejectedItems = new (Conversation, string)[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i] ?? throw new ArgumentException($"pairs[{i}] is null.", nameof(pairs));
            contexts[i] = ContextOf(pair.Conditioning, $"pairs[{i}]", nameof(pairs));
            chosenItems[i] = (pair.Pair.Prompt, pair.Pair.Chosen);
            rejectedItems[i] = (pair.Pair.Prompt, pair.Pair.Rejected);
        }

        using var scope = NewDisposeScope();
        var (mean, logVar) = UserLatents(contexts, cancellationToken);
        var z = Network.training ? VplMath.SampleLatent(mean, logVar, noise) : mean;
        var device = Network.Device;
        var chosen = Network.Reward(Embedder.Embed(chosenItems, device, cancellationToken), z);
        var rejected = Network.Reward(Embedder.Embed(rejectedItems, device, cancellationToken), z);
        return new VplPairOutput(
            chosen.MoveToOuterDisposeScope(), rejected.MoveToOuterDisposeScope(),
            mean.MoveToOuterDisposeScope(), logVar.MoveToOuterDisposeScope(), z.MoveToOuterDisposeScope());
    }

    /// <summary>Scores queries with <c>z = μ</c> (eval mode, no gradients).</summary>
    /// <param name="queries">What to score; each conditioning must be the user's context.</param>
    /// <param name="cancellationToken">Checked while embedding.</param>
    /// <returns>One reward per query, in order.</returns>
    /// <exception cref="ArgumentException">A query's conditioning is not a non-empty context; the message names the query.</exception>
    public IReadOnlyList<float> Score(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (queries.Count == 0) return [];
        var contexts = new UserContext[queries.Count];
        var items = new (Conversation, string)[queries.Count];
        for (int i = 0; i < queries.Count; i++)
        {
            var query = queries[i] ?? throw new ArgumentException($"queries[{i}] is null.", nameof(queries));
            contexts[i] = ContextOf(query.Conditioning, $"queries[{i}]", nameof(queries));
            items[i] = (query.Prompt, query.Response);
        }

        lock (_gate)
        {
            return InEval(() =>
            {
                var (mean, _) = UserLatents(contexts, cancellationToken);
                return Network.Reward(Embedder.Embed(items, Network.Device, cancellationToken), mean).cpu().data<float>().ToArray();
            });
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<float>> ScoreAsync(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return Task.Run(() => Score(queries, cancellationToken), cancellationToken);
    }

    /// <summary><c>σ(r_c − r_r)</c> for each pair with <c>z = μ</c> (eval mode, no gradients).</summary>
    /// <param name="pairs">The pairs; each conditioning must be the user's context.</param>
    /// <param name="cancellationToken">Checked while embedding.</param>
    /// <returns>One probability per pair, in order.</returns>
    public IReadOnlyList<double> PredictChosenProbabilities(IReadOnlyList<ConditionedPair> pairs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pairs.Count == 0) return [];
        lock (_gate)
        {
            return InEval(() =>
            {
                var output = ForwardPairs(pairs, null, cancellationToken);
                return (output.Chosen - output.Rejected).sigmoid().to(ScalarType.Float64).cpu().data<double>().ToArray();
            });
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsNetwork) Network.Dispose();
    }

    private static UserContext ContextOf(UserConditioning conditioning, string what, string paramName)
    {
        if (conditioning.Kind != ConditioningKind.Context || conditioning.Context is not { } context)
        {
            throw new ArgumentException($"{what} is conditioned on {conditioning.Kind}; VPL needs the user's context (UserConditioning.FromContext).", paramName);
        }

        if (context.Pairs.Count == 0) throw new ArgumentException($"{what} has an empty context; VPL infers the user from at least one context pair.", paramName);
        return context;
    }

    private (Tensor Mean, Tensor LogVariance) UserLatents(UserContext[] contexts, CancellationToken cancellationToken)
    {
        var distinct = new List<UserContext>();
        var slot = new Dictionary<UserContext, int>();
        var index = new long[contexts.Length];
        for (int i = 0; i < contexts.Length; i++)
        {
            if (!slot.TryGetValue(contexts[i], out int s))
            {
                s = distinct.Count;
                slot[contexts[i]] = s;
                distinct.Add(contexts[i]);
            }

            index[i] = s;
        }

        using var scope = NewDisposeScope();
        var (mean, logVar) = EncodeUsers(distinct, cancellationToken);
        var idx = tensor(index, ScalarType.Int64, mean.device);
        return (mean.index_select(0, idx).MoveToOuterDisposeScope(), logVar.index_select(0, idx).MoveToOuterDisposeScope());
    }

    private T[] InEval<T>(Func<T[]> body)
    {
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return body();
        }
        finally
        {
            if (wasTraining) Network.train();
        }
    }
}
