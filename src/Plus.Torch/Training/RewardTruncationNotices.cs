using System.Globalization;
using Plus.Torch.Reward;

namespace Plus.Torch.Training;

/// <summary>
/// The once-per-run notices of a trainer whose inputs go through a <see cref="RewardTextEncoder"/>: that the encoder's
/// MaxLength was capped at the model's positions, and the first step whose inputs had to be cut. Every trainer that
/// feeds a reward encoder (Bradley-Terry, PLUS, DPL, VPL) uses this one class, so the notices read the same everywhere.
/// </summary>
/// <remarks>
/// Call <see cref="AfterStep"/> once after every training step with the number of inputs that step cut. The cap notice
/// is sent after the first step (when the encoder's <see cref="RewardTextEncoder.MaxLength"/> is below its
/// <see cref="RewardTextEncoder.RequestedMaxLength"/>), the cut notice after the first step that cut anything; later
/// cuts are only counted, in the metric named by <c>metric</c>. A resumed run is a new run: it announces again.
/// Not thread-safe (a trainer calls it from its training thread).
/// </remarks>
public sealed class RewardTruncationNotices
{
    private readonly ProgressReporter _reporter;
    private readonly string _method;
    private readonly RewardTextEncoder _encoder;
    private readonly int _positions;
    private readonly string _metric;

    /// <summary>Creates the notices of one run.</summary>
    /// <param name="reporter">Where the notices go (progress and log).</param>
    /// <param name="method">The method named at the start of each notice, for example <c>BTL</c>.</param>
    /// <param name="encoder">The reward encoder whose cuts are announced.</param>
    /// <param name="positions">The positions of the model the encoder feeds (config <c>max_position_embeddings</c>).</param>
    /// <param name="metric">The metric that counts the cuts per step (default <c>truncated</c>).</param>
    public RewardTruncationNotices(ProgressReporter reporter, string method, RewardTextEncoder encoder, int positions, string metric = "truncated")
    {
        ArgumentNullException.ThrowIfNull(reporter);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        _reporter = reporter;
        _method = method;
        _encoder = encoder;
        _positions = positions;
        _metric = metric;
    }

    /// <summary>Whether the cap notice has been considered (it is sent at most once, after the first step).</summary>
    public bool CapChecked { get; private set; }

    /// <summary>Whether the first-cut notice has been sent.</summary>
    public bool CutAnnounced { get; private set; }

    /// <summary>Sends whichever notice is due after a step.</summary>
    /// <param name="step">The step's zero-based index (the notice names step <c>step + 1</c>).</param>
    /// <param name="truncated">How many inputs that step cut.</param>
    public void AfterStep(int step, double truncated)
    {
        if (!CapChecked)
        {
            CapChecked = true;
            if (_encoder.MaxLength < _encoder.RequestedMaxLength)
            {
                _reporter.Announce(step, string.Create(CultureInfo.InvariantCulture,
                    $"{_method}: the reward encoder's MaxLength {_encoder.RequestedMaxLength} is more than the reward model's {_positions} positions (config max_position_embeddings); its inputs are cut to {_encoder.MaxLength} tokens."));
            }
        }

        if (CutAnnounced || truncated <= 0) return;
        CutAnnounced = true;
        _reporter.Announce(step, string.Create(CultureInfo.InvariantCulture,
            $"{_method}: at step {step + 1}, {(long)truncated} reward-model inputs were longer than the reward encoder's MaxLength {_encoder.MaxLength} tokens and were cut " +
            $"(oldest context pairs, then oldest prompt turns, then the middle of long turns; never the response). Later cuts are counted in the metric {_metric} without another notice."));
    }
}
