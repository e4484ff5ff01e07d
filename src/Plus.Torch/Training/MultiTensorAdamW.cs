using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// AdamW whose step is a handful of kernels whatever the number of parameter tensors (PyTorch's "foreach" idea):
/// the parameters, their gradients and both moments live in one flat buffer per parameter group (and per dtype and
/// device), and the parameters and gradients are views of those buffers, so one step runs one element-wise chain
/// over each buffer instead of one per tensor.
/// </summary>
/// <remarks>
/// <para><b>Numerics.</b> The update is TorchSharp's <see cref="AdamW"/> (decoupled weight decay, bias correction,
/// ε added after dividing √v̂ by √(1 − β₂ᵗ), as PyTorch): the same operations in the same order with the same
/// scalars, element by element, so the parameters and moments equal those of <see cref="AdamW"/> bit for bit on the
/// CPU (test <c>MultiTensorAdamWTests</c>). Two documented differences from <see cref="AdamW"/>: one step count per
/// buffer instead of per tensor, and a parameter that never received a gradient is stepped with a zero gradient
/// instead of skipped (no change unless weight decay is on); neither occurs when every parameter takes part in the
/// loss. Weight decay of 0 skips the multiplication by 1, which changes nothing.</para>
/// <para><b>Kernels per step.</b> Per buffer: the moments (4), the denominator (3), the update (1), plus the decay (1)
/// when it is on; <see cref="zero_grad"/> is one kernel per buffer. TorchSharp's <see cref="AdamW"/> runs 9 per
/// parameter tensor.</para>
/// <para><b>Ownership.</b> The constructor copies every parameter (and any existing gradient) into the buffers and
/// makes the parameter and its gradient views of them (<c>set_</c>, under no-grad); values are unchanged. Gradients
/// then accumulate in place in the flat gradient buffer. Do not move the module to another device, replace its
/// parameters, set their gradients to null, or hand the same parameters to a second <see cref="MultiTensorAdamW"/>
/// after construction: the optimizer would no longer see them (<see cref="step"/> checks the last tensor of each buffer
/// and throws <see cref="InvalidOperationException"/> when it has left). Disposing releases the optimizer's references; the
/// parameters keep their storage.</para>
/// <para><b>State on disk.</b> <see cref="SaveState"/>/<see cref="LoadState"/> use TorchSharp <see cref="AdamW"/>'s
/// <c>save_state_dict</c> format byte for byte (its type name, the groups' options, then per parameter: step,
/// <c>exp_avg</c>, <c>exp_avg_sq</c>, no AMSGrad tensor), so a state saved by either optimizer loads into the other
/// over the same parameters in the same order. Not thread-safe.</para>
/// </remarks>
public sealed class MultiTensorAdamW : optim.Optimizer, optim.IBetas
{
    /// <summary>The optimizer name written at the start of a saved state: TorchSharp's <c>AdamW</c>, whose format this is.</summary>
    public const string StateFormatName = nameof(AdamW);

    private readonly List<Bucket> _buckets = [];
    private readonly List<(Bucket Bucket, int Index)> _slots = [];
    private readonly AdamW.Options _defaults;
    private bool _disposed;

    /// <summary>Creates the optimizer over parameter groups (see the class remarks for what happens to the parameters).</summary>
    /// <param name="groups">The groups, each with its <see cref="AdamW.Options"/> (missing values come from the defaults).</param>
    /// <param name="learningRate">Default learning rate, &gt; 0.</param>
    /// <param name="beta1">Default β₁ in [0, 1).</param>
    /// <param name="beta2">Default β₂ in [0, 1).</param>
    /// <param name="epsilon">Default ε, &gt; 0.</param>
    /// <param name="weightDecay">Default decoupled weight decay, ≥ 0.</param>
    /// <exception cref="ArgumentException">A group is empty, a parameter appears twice, does not require a gradient, or is sparse.</exception>
    /// <exception cref="NotSupportedException">A group asks for AMSGrad or maximize.</exception>
    public MultiTensorAdamW(IEnumerable<AdamW.ParamGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : base(IntPtr.Zero)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(learningRate >= 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number ≥ 0.");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must lie in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must lie in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be ≥ 0.");
        _defaults = new AdamW.Options
        {
            LearningRate = learningRate,
            InitialLearningRate = learningRate,
            beta1 = beta1,
            beta2 = beta2,
            eps = epsilon,
            weight_decay = weightDecay,
            amsgrad = false,
            maximize = false,
        };
        _parameter_groups = new List<ParamGroup>();
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        int groupIndex = 0;
        foreach (var group in groups)
        {
            ArgumentNullException.ThrowIfNull(group, nameof(groups));
            var options = group.Options ?? new AdamW.Options();
            options.LearningRate ??= _defaults.LearningRate;
            options.beta1 ??= _defaults.beta1;
            options.beta2 ??= _defaults.beta2;
            options.eps ??= _defaults.eps;
            options.weight_decay ??= _defaults.weight_decay;
            options.amsgrad ??= false;
            options.maximize ??= false;
            if (options.amsgrad.Value) throw new NotSupportedException($"{nameof(MultiTensorAdamW)} does not implement AMSGrad (parameter group {groupIndex}).");
            if (options.maximize.Value) throw new NotSupportedException($"{nameof(MultiTensorAdamW)} does not implement maximize (parameter group {groupIndex}).");
            options.InitialLearningRate = options.LearningRate.Value;
            group.Options = options;
            var parameters = (group.Parameters ?? []).ToList();
            if (parameters.Count == 0) throw new ArgumentException($"Parameter group {groupIndex} holds no parameter.", nameof(groups));
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i] ?? throw new ArgumentException($"Parameter {i} of group {groupIndex} is null.", nameof(groups));
                if (!p.requires_grad) throw new ArgumentException($"Parameter {i} of group {groupIndex} (shape [{string.Join(", ", p.shape)}]) does not require a gradient.", nameof(groups));
                if (p.is_sparse) throw new ArgumentException($"Parameter {i} of group {groupIndex} is sparse; {nameof(MultiTensorAdamW)} takes dense parameters only.", nameof(groups));
                if (!seen.Add(p)) throw new ArgumentException($"Parameter {i} of group {groupIndex} (shape [{string.Join(", ", p.shape)}]) appears twice.", nameof(groups));
            }

            group.Parameters = parameters;
            _parameter_groups.Add(group);
            var byKind = new Dictionary<(ScalarType, string), List<Parameter>>();
            foreach (var p in parameters)
            {
                var key = (p.dtype, p.device.ToString());
                if (!byKind.TryGetValue(key, out var list)) byKind[key] = list = [];
                list.Add(p);
            }

            var buckets = byKind.Values.Select(list => new Bucket(options, list, groupIndex)).ToList();
            _buckets.AddRange(buckets);
            foreach (var p in parameters)
            {
                var bucket = buckets.First(b => b.Parameters.Contains(p, ReferenceEqualityComparer.Instance));
                _slots.Add((bucket, bucket.Parameters.FindIndex(q => ReferenceEquals(q, p))));
            }

            groupIndex++;
        }

        if (_parameter_groups.Count == 0) throw new ArgumentException("At least one parameter group is needed.", nameof(groups));
    }

    /// <summary>The default β₁ and β₂ (each group holds its own in its <see cref="AdamW.Options"/>).</summary>
    public (double, double) Betas
    {
        get => (_defaults.beta1!.Value, _defaults.beta2!.Value);
        set => (_defaults.beta1, _defaults.beta2) = value;
    }

    /// <summary>The flat buffers (one per parameter group, dtype and device): the number of element-wise chains a step runs.</summary>
    public int BufferCount => _buckets.Count;

    /// <summary>Optimizer steps taken (the bias-correction step t, shared by all parameters); restored by <see cref="LoadState"/>.</summary>
    public long StepCount => _buckets.Count == 0 ? 0 : _buckets[0].Step;

    /// <summary>The parameter groups (<see cref="AdamW.ParamGroup"/>), in the order they were given.</summary>
    public override IEnumerable<optim.ILearningRateController> ParamGroups => _parameter_groups;

    /// <summary>All parameters, group by group, in the order they were given.</summary>
    /// <returns>The parameters.</returns>
    public override IEnumerable<Parameter> parameters() => _parameter_groups.SelectMany(g => g.Parameters);

    /// <summary>Groups are fixed at construction (the buffers are laid out then).</summary>
    /// <param name="param_group">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void add_param_group(ParamGroup param_group) =>
        throw new NotSupportedException($"{nameof(MultiTensorAdamW)} lays out its flat buffers at construction; create a new optimizer to add parameters.");

    /// <summary>Sets every gradient to zero: one kernel per flat buffer.</summary>
    public override void zero_grad()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var bucket in _buckets) bucket.Grad.zero_();
    }

    /// <summary>One AdamW update of every parameter from its current gradient (see the class remarks).</summary>
    /// <param name="closure">Re-evaluates the loss first (with gradients on), when given.</param>
    /// <returns>The closure's loss, or null.</returns>
    /// <exception cref="InvalidOperationException">A parameter or gradient no longer lives in the flat buffers (see the class remarks).</exception>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tensor? loss = null;
        if (closure is not null)
        {
            using var enable = enable_grad();
            loss = closure();
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var bucket in _buckets) bucket.Update();
        return loss!;
    }

    /// <summary>Writes the state in TorchSharp <see cref="AdamW"/>'s <c>save_state_dict</c> format (see the class remarks).</summary>
    /// <param name="writer">The destination.</param>
    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        writer.Write(StateFormatName);
        writer.Write7BitEncodedInt64(_parameter_groups.Count);
        writer.Write7BitEncodedInt64(_parameter_groups.Sum(g => g.Parameters.Count()));
        foreach (var group in _parameter_groups) group.Options.SaveStateDict(writer);
        foreach (var (bucket, index) in _slots)
        {
            writer.Write(bucket.Step);
            bucket.ExpAvgOf(index).Save(writer);
            bucket.ExpAvgSqOf(index).Save(writer);
            writer.Write(false); // no max_exp_avg_sq (AMSGrad off)
        }
    }

    /// <summary>
    /// Reads a state written by <see cref="SaveState"/> or by TorchSharp <see cref="AdamW"/>'s <c>save_state_dict</c>
    /// over the same parameters in the same order. Everything is read and checked before anything is assigned.
    /// </summary>
    /// <param name="reader">The source.</param>
    /// <exception cref="InvalidDataException">The stream is not an AdamW state of these parameters: the message says which
    /// group or parameter (by index and shape) does not fit.</exception>
    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string name = reader.ReadString();
        if (name != StateFormatName && name != nameof(MultiTensorAdamW))
            throw new InvalidDataException($"The optimizer state was written by '{name}', not by AdamW.");
        long groups = reader.Read7BitEncodedInt64(), states = reader.Read7BitEncodedInt64();
        long expected = _parameter_groups.Sum(g => g.Parameters.Count());
        if (groups != _parameter_groups.Count || states != expected)
            throw new InvalidDataException($"The optimizer state holds {groups} parameter groups and {states} parameters; this optimizer has {_parameter_groups.Count} and {expected}.");
        var options = new List<AdamW.Options>();
        for (int g = 0; g < groups; g++)
        {
            var o = new AdamW.Options();
            o.LoadStateDict(reader);
            if (o.amsgrad == true || o.maximize == true) throw new InvalidDataException($"Parameter group {g} of the optimizer state uses AMSGrad or maximize, which {nameof(MultiTensorAdamW)} does not implement.");
            options.Add(o);
        }

        using var scope = NewDisposeScope();
        var loaded = new List<(Bucket Bucket, int Index, long Step, Tensor ExpAvg, Tensor ExpAvgSq)>();
        int position = 0;
        foreach (var (bucket, index) in _slots)
        {
            var shape = bucket.Parameters[index].shape;
            long step = reader.ReadInt64();
            var m = empty(shape, bucket.Grad.dtype, CPU);
            var v = empty(shape, bucket.Grad.dtype, CPU);
            try
            {
                m.Load(reader);
                v.Load(reader);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"Optimizer state of parameter {position} (shape [{string.Join(", ", shape)}], {bucket.Grad.dtype}) does not fit: {ex.Message}", ex);
            }

            if (reader.ReadBoolean()) throw new InvalidDataException($"Optimizer state of parameter {position} holds an AMSGrad maximum, which {nameof(MultiTensorAdamW)} does not implement.");
            loaded.Add((bucket, index, step, m, v));
            position++;
        }

        foreach (var bucket in _buckets)
        {
            var steps = loaded.Where(l => l.Bucket == bucket).Select(l => l.Step).Distinct().ToList();
            if (steps.Count > 1)
            {
                throw new InvalidDataException(
                    $"The optimizer state holds different step counts ({string.Join(", ", steps)}) for parameters of group {bucket.GroupIndex}; {nameof(MultiTensorAdamW)} keeps one per group.");
            }
        }

        using var noGrad = no_grad();
        for (int g = 0; g < options.Count; g++) _parameter_groups[g].Options.LoadStateDict(options[g]);
        foreach (var (bucket, index, step, m, v) in loaded)
        {
            bucket.Step = step;
            bucket.ExpAvgOf(index).copy_(m);
            bucket.ExpAvgSqOf(index).copy_(v);
        }
    }

    /// <summary>Releases the flat buffers' references and the views held by the optimizer.</summary>
    /// <param name="disposing">True from <see cref="optim.Optimizer.Dispose()"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            foreach (var bucket in _buckets) bucket.Dispose();
            _buckets.Clear();
            _slots.Clear();
        }

        _disposed = true;
        base.Dispose(disposing);
    }

    /// <summary>The parameters of one group with one dtype and device, and their flat buffers.</summary>
    private sealed class Bucket : IDisposable
    {
        private readonly long[] _offsets;
        private readonly Tensor _flatParameters;
        private readonly Tensor _expAvg;
        private readonly Tensor _expAvgSq;

        public Bucket(AdamW.Options options, List<Parameter> parameters, int groupIndex)
        {
            Options = options;
            Parameters = parameters;
            GroupIndex = groupIndex;
            _offsets = new long[parameters.Count + 1];
            for (int i = 0; i < parameters.Count; i++) _offsets[i + 1] = _offsets[i] + parameters[i].numel();
            var first = parameters[0];
            long total = _offsets[^1];
            using var noGrad = no_grad();
            _flatParameters = empty(total, first.dtype, first.device).DetachFromDisposeScope();
            Grad = zeros(total, first.dtype, first.device).DetachFromDisposeScope();
            _expAvg = zeros(total, first.dtype, first.device).DetachFromDisposeScope();
            _expAvgSq = zeros(total, first.dtype, first.device).DetachFromDisposeScope();
            for (int i = 0; i < parameters.Count; i++)
            {
                using var scope = NewDisposeScope();
                var p = parameters[i];
                var value = Slice(_flatParameters, i);
                value.copy_(p);
                var oldGrad = p.grad;
                var grad = Slice(Grad, i);
                if (oldGrad is not null) grad.copy_(oldGrad);
                p.set_(value);
                p.grad = grad;
            }
        }

        public AdamW.Options Options { get; }

        public List<Parameter> Parameters { get; }

        public int GroupIndex { get; }

        public Tensor Grad { get; }

        public long Step { get; set; }

        public Tensor ExpAvgOf(int index) => Slice(_expAvg, index);

        public Tensor ExpAvgSqOf(int index) => Slice(_expAvgSq, index);

        /// <summary>TorchSharp's AdamW step, operation for operation, on the whole buffer.</summary>
        public void Update()
        {
            CheckStillFlat();
            double beta1 = Options.beta1!.Value, beta2 = Options.beta2!.Value, eps = Options.eps!.Value;
            double weightDecay = Options.weight_decay!.Value, lr = Options.LearningRate!.Value;
            Step++;
            if (weightDecay != 0) _flatParameters.mul_(1 - lr * weightDecay);
            double biasCorrection1 = 1 - Math.Pow(beta1, Step);
            double biasCorrection2 = 1 - Math.Pow(beta2, Step);
            _expAvg.mul_(beta1).add_(Grad, alpha: 1 - beta1);
            _expAvgSq.mul_(beta2).addcmul_(Grad, Grad, value: 1 - beta2);
            var denom = (_expAvgSq.sqrt() / Math.Sqrt(biasCorrection2)).add_(eps);
            double stepSize = lr / biasCorrection1;
            _flatParameters.addcdiv_(_expAvg, denom, value: -stepSize);
        }

        /// <summary>
        /// A cheap check (one handle, no kernel) that the buffer's last parameter and its gradient are still views of the
        /// flat buffers at their offsets: it catches gradients set to null or replaced (for example by a module-level
        /// <c>zero_grad</c> that sets them to none) and parameters moved or replaced, which would otherwise train nothing.
        /// </summary>
        private void CheckStillFlat()
        {
            int last = Parameters.Count - 1;
            long offset = _offsets[last];
            var p = Parameters[last];
            using var grad = p.grad;
            bool moved = last > 0 && p.storage_offset() != offset;
            bool gradMoved = grad is null || (last > 0 && grad.storage_offset() != offset);
            if (moved || gradMoved)
            {
                throw new InvalidOperationException(
                    $"The {(moved ? "parameter" : "gradient")} of parameter {last} (shape [{string.Join(", ", p.shape)}]) of group {GroupIndex} no longer lives in " +
                    $"{nameof(MultiTensorAdamW)}'s flat buffer: after the optimizer is created, do not move the module, replace its parameters, or set their " +
                    "gradients to null or to new tensors (use the optimizer's zero_grad). Create a new optimizer after such a change.");
            }
        }

        public void Dispose()
        {
            _flatParameters.Dispose();
            Grad.Dispose();
            _expAvg.Dispose();
            _expAvgSq.Dispose();
        }

        private Tensor Slice(Tensor flat, int index) =>
            flat.narrow(0, _offsets[index], _offsets[index + 1] - _offsets[index]).view(Parameters[index].shape);
    }
}
