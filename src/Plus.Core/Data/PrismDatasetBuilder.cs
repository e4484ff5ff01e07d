using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Plus.Data;

/// <summary>
/// Builds the PRISM data set of the PLUS paper from PRISM's <c>survey.jsonl</c> and <c>conversations.jsonl</c>
/// (Hugging Face <c>HannahRoseKirk/prism-alignment</c>).
/// </summary>
/// <remarks>
/// <para><b>Fields read.</b> Survey rows: <c>user_id</c>, <c>stated_prefs</c> (the eight ratings of
/// <see cref="PrismProfile.Attributes"/>, integers, any may be null). Conversation rows: <c>conversation_id</c>,
/// <c>user_id</c>, <c>conversation_type</c> (optional), <c>conversation_history[]</c> with <c>turn</c>, <c>role</c>
/// (<c>user</c> or <c>model</c>), <c>content</c>, and for model entries <c>score</c> and <c>if_chosen</c>.
/// Other fields are ignored.</para>
/// <para><b>Pairs.</b> In each turn, the chosen model response (<c>if_chosen</c>) is paired with every other model
/// response of the turn that scored strictly lower (or, when a score is missing, was not chosen); identical texts are
/// skipped. A pair's prompt is the conversation so far: earlier user turns with the chosen responses, then the
/// turn's user message. A turn without a chosen response ends the conversation's pairs.</para>
/// <para><b>Users.</b> Users without all eight ratings (when <see cref="PrismDatasetOptions.RequireStatedPreferences"/>),
/// with fewer than <see cref="PrismDatasetOptions.MinConversationsPerUser"/> conversations that yield pairs, or fewer
/// than <see cref="PrismDatasetOptions.MinPairsPerUser"/> pairs are left out. For each remaining user one conversation
/// is held out at random for the test set (<see cref="PrismDatasetOptions.TestPairsPerUser"/> of its pairs become
/// targets) and up to <see cref="PrismDatasetOptions.MaxTrainConversations"/> of the others form the training set
/// (every pair a target). Contexts are <see cref="PrismDatasetOptions.ContextPairs"/> pairs sampled from the user's
/// training pairs, never the target itself, so the held-out conversation appears nowhere in training data nor in any
/// context. Group = <c>conversation_type</c>; the oracle text and (optionally) the profile are
/// <see cref="PrismProfile.Render"/> of the user's ratings.</para>
/// <para>Deterministic for a given input, options and seed. Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class PrismDatasetBuilder
{
    private readonly PrismDatasetOptions _options;

    /// <summary>Creates a builder.</summary>
    /// <param name="options">The options (validated here); null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PrismDatasetBuilder(PrismDatasetOptions? options = null)
    {
        _options = options ?? new PrismDatasetOptions();
        _options.Validate();
    }

    /// <summary>Reads both files and builds the data set.</summary>
    /// <param name="surveyPath">PRISM's <c>survey.jsonl</c>.</param>
    /// <param name="conversationsPath">PRISM's <c>conversations.jsonl</c>.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="PreferenceDataException">A row is malformed (the message names the file, line and field).</exception>
    public async Task<DatasetSplit> BuildAsync(string surveyPath, string conversationsPath, CancellationToken cancellationToken = default)
    {
        var survey = JsonlFile.OpenRead(surveyPath);
        await using (survey.ConfigureAwait(false))
        {
            var conversations = JsonlFile.OpenRead(conversationsPath);
            await using (conversations.ConfigureAwait(false))
            {
                return await BuildAsync(survey, surveyPath, conversations, conversationsPath, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads both streams (UTF-8 JSONL) and builds the data set. The streams are not disposed.</summary>
    /// <param name="survey">The survey rows.</param>
    /// <param name="surveyName">How error messages name the survey stream.</param>
    /// <param name="conversations">The conversation rows.</param>
    /// <param name="conversationsName">How error messages name the conversations stream.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="PreferenceDataException">A row is malformed.</exception>
    public async Task<DatasetSplit> BuildAsync(
        Stream survey, string surveyName, Stream conversations, string conversationsName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(survey);
        ArgumentNullException.ThrowIfNull(conversations);
        ArgumentException.ThrowIfNullOrWhiteSpace(surveyName);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationsName);

        var profiles = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var (lineNumber, text) in JsonlFile.ReadLinesAsync(survey, surveyName, cancellationToken).ConfigureAwait(false))
        {
            var (userId, profile) = ParseSurveyRow(new JsonLine(surveyName, lineNumber), text);
            profiles[userId] = profile;
        }

        var userOrder = new List<string>();
        var byUser = new Dictionary<string, List<ConversationPairs>>(StringComparer.Ordinal);
        await foreach (var (lineNumber, text) in JsonlFile.ReadLinesAsync(conversations, conversationsName, cancellationToken).ConfigureAwait(false))
        {
            var conversation = ParseConversationRow(new JsonLine(conversationsName, lineNumber), text);
            if (conversation.Pairs.Count == 0) continue;
            if (!byUser.TryGetValue(conversation.UserId, out var list))
            {
                byUser[conversation.UserId] = list = new List<ConversationPairs>();
                userOrder.Add(conversation.UserId);
            }

            list.Add(conversation);
        }

        var random = new Random(_options.Seed);
        var train = new List<PreferenceExample>();
        var test = new List<PreferenceExample>();
        foreach (var userId in userOrder)
        {
            var profile = profiles.GetValueOrDefault(userId);
            if (profile is null && _options.RequireStatedPreferences) continue;
            var conversationsOfUser = byUser[userId];
            if (conversationsOfUser.Count < _options.MinConversationsPerUser) continue;
            if (conversationsOfUser.Sum(c => c.Pairs.Count) < _options.MinPairsPerUser) continue;

            var order = Enumerable.Range(0, conversationsOfUser.Count).ToArray();
            random.Shuffle(order);
            var heldOut = conversationsOfUser[order[0]];
            var trainConversations = order.Skip(1).Take(_options.MaxTrainConversations).Order().Select(i => conversationsOfUser[i]).ToList();
            var trainPairs = trainConversations.SelectMany(c => c.Pairs.Select(p => (Pair: p, c.Type))).ToList();
            var contextProfile = _options.IncludeProfile ? profile : null;

            foreach (var (pair, type) in trainPairs)
            {
                var context = SampleContext(trainPairs.Select(t => t.Pair).Where(p => p != pair).ToList(), contextProfile, random);
                train.Add(new PreferenceExample(userId, context, pair, profile, type));
            }

            var testIndices = Enumerable.Range(0, heldOut.Pairs.Count).ToArray();
            random.Shuffle(testIndices);
            foreach (var index in testIndices.Take(_options.TestPairsPerUser).Order())
            {
                var pair = heldOut.Pairs[index];
                var context = SampleContext(trainPairs.Select(t => t.Pair).Where(p => p != pair).ToList(), contextProfile, random);
                test.Add(new PreferenceExample(userId, context, pair, profile, heldOut.Type));
            }
        }

        return new DatasetSplit(new ValueList<PreferenceExample>(train), new ValueList<PreferenceExample>(test));
    }

    private UserContext SampleContext(List<PreferencePair> candidates, string? profile, Random random)
    {
        var indices = Enumerable.Range(0, candidates.Count).ToArray();
        random.Shuffle(indices);
        var chosen = indices.Take(_options.ContextPairs).Order().Select(i => candidates[i]);
        return new UserContext(new ValueList<PreferencePair>(chosen), profile);
    }

    private static (string UserId, string? Profile) ParseSurveyRow(JsonLine at, string text)
    {
        using var document = at.Parse(text);
        var root = document.RootElement;
        var userId = at.RequireString(root, "user_id", "user_id");
        if (JsonLine.Optional(root, "stated_prefs") is not { } prefs) return (userId, null);
        at.AsObject(prefs, "stated_prefs");
        var ratings = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in PrismProfile.Attributes)
        {
            if (JsonLine.Optional(prefs, name) is { } value) ratings[name] = at.AsInt32(value, "stated_prefs." + name);
        }

        return (userId, ratings.Count == PrismProfile.Attributes.Count ? PrismProfile.Render(ratings) : null);
    }

    private static ConversationPairs ParseConversationRow(JsonLine at, string text)
    {
        using var document = at.Parse(text);
        var root = document.RootElement;
        at.RequireString(root, "conversation_id", "conversation_id");
        var userId = at.RequireString(root, "user_id", "user_id");
        var type = at.OptionalString(root, "conversation_type", "conversation_type");
        var history = at.RequireArray(root, "conversation_history", "conversation_history");

        var entries = new List<Entry>();
        var index = 0;
        foreach (var element in history.EnumerateArray())
        {
            var path = JsonLine.Index("conversation_history", index++);
            at.AsObject(element, path);
            var turn = at.AsInt32(at.Require(element, "turn", JsonLine.Path(path, "turn")), JsonLine.Path(path, "turn"));
            var role = at.RequireString(element, "role", JsonLine.Path(path, "role"));
            if (role is not ("user" or "model")) throw at.Error(JsonLine.Path(path, "role"), $"must be 'user' or 'model', found '{role}'");
            var content = at.RequireString(element, "content", JsonLine.Path(path, "content"));
            double? score = JsonLine.Optional(element, "score") is { } s ? at.AsDouble(s, JsonLine.Path(path, "score")) : null;
            var chosen = at.OptionalBoolean(element, "if_chosen", JsonLine.Path(path, "if_chosen")) ?? false;
            entries.Add(new Entry(turn, role == "user", content, score, chosen));
        }

        var pairs = new List<PreferencePair>();
        var prompt = new List<ChatTurn>();
        foreach (var turn in entries.GroupBy(e => e.Turn).OrderBy(g => g.Key))
        {
            var user = turn.FirstOrDefault(e => e.IsUser);
            var chosen = turn.FirstOrDefault(e => !e.IsUser && e.IsChosen);
            if (user is null || chosen is null) break;
            prompt.Add(ChatTurn.User(user.Content));
            var conversation = new Conversation(new ValueList<ChatTurn>(prompt));
            foreach (var other in turn.Where(e => !e.IsUser && !ReferenceEquals(e, chosen) && !e.IsChosen))
            {
                var lower = chosen.Score is { } c && other.Score is { } o ? o < c : true;
                if (lower && !string.Equals(other.Content, chosen.Content, StringComparison.Ordinal))
                {
                    pairs.Add(new PreferencePair(conversation, chosen.Content, other.Content));
                }
            }

            prompt.Add(new ChatTurn(ChatRole.Assistant, chosen.Content));
        }

        return new ConversationPairs(userId, type, pairs);
    }

    private sealed record Entry(int Turn, bool IsUser, string Content, double? Score, bool IsChosen);

    private sealed record ConversationPairs(string UserId, string? Type, List<PreferencePair> Pairs);
}
