using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic RnnGen reports. A bad declaration is always one of these, never a generator
/// crash; no code is generated for a class with an error.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";

    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        "RNNG001",
        "Model class must be partial",
        "'{0}' has [RnnModel] but is not declared partial; add the 'partial' modifier so RnnGen can generate its members");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error(
        "RNNG002",
        "Sizes must be positive",
        "[{0}] {1} must be a positive number, but it is {2}");

    public static readonly DiagnosticDescriptor InputLayer = Error(
        "RNNG003",
        "Model needs exactly one input layer, first",
        "'{0}' {1}; declare exactly one [Embedding] (token ids) or [Input] (float vectors) as the first layer");

    public static readonly DiagnosticDescriptor Head = Error(
        "RNNG004",
        "Model needs exactly one dense head, last",
        "'{0}' {1}; declare exactly one [Dense] after the recurrent layers");

    public static readonly DiagnosticDescriptor Loss = Error(
        "RNNG005",
        "Model needs exactly one loss",
        "'{0}' {1}; declare [SoftmaxCrossEntropy] or [MeanSquaredError]");

    public static readonly DiagnosticDescriptor LossDoesNotFitHead = Error(
        "RNNG006",
        "Loss does not fit the head",
        "[SoftmaxCrossEntropy] needs a [Dense] head with at least 2 outputs (one per class), but '{0}' has {1}");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Error(
        "RNNG007",
        "Layers must be declared on one partial declaration",
        "'{0}' declares RnnGen layer attributes on more than one partial declaration; put [RnnModel] and all layer attributes on the same declaration so their order is well defined");

    public static readonly DiagnosticDescriptor DuplicateName = Error(
        "RNNG008",
        "Layer names must be unique",
        "{0}; give one of the layers another Name (parameter names are '{{name}}.weight', '{{name}}.weight_ih_l0', …)");

    public static readonly DiagnosticDescriptor MissingRecurrentLayer = Error(
        "RNNG009",
        "Model needs a recurrent layer",
        "'{0}' has no recurrent layer; add [Rnn], [Lstm] or [Gru] between the input layer and the [Dense] head");

    public static readonly DiagnosticDescriptor InvalidName = Error(
        "RNNG010",
        "Invalid layer name",
        "Layer name '{0}' is not valid; a name is a C# identifier (letters, digits and underscores, not starting with a digit), as it becomes part of parameter names and generated C# names");

    public static readonly DiagnosticDescriptor UnsupportedClass = Error(
        "RNNG011",
        "Unsupported model class",
        "'{0}' cannot be a model: {1}");

    public static readonly DiagnosticDescriptor LayerOrder = Error(
        "RNNG012",
        "Layer out of order",
        "[{0}] must come {1}");

    public static readonly DiagnosticDescriptor ModelTooLarge = Error(
        "RNNG013",
        "Model too large",
        "'{0}' needs {1} floats of {2} memory, more than the 2^31 − 1 a single buffer can hold; reduce the sizes");

    public static readonly DiagnosticDescriptor InvalidEnumValue = Error(
        "RNNG014",
        "Invalid enum value",
        "[{0}] {1} value {2} is not a member of {3}");

    public static readonly DiagnosticDescriptor AttentionNeedsEveryStep = Error(
        "RNNG015",
        "Attention needs a head at every step",
        "'{0}' has [Attention] and a many-to-one readout; attention feeds the head at every step, so use Readout = RnnReadout.EveryStep");

    public static readonly DiagnosticDescriptor InvalidDropout = Error(
        "RNNG016",
        "Invalid dropout",
        "{0} = {1} is not valid: {2}");

    public static readonly DiagnosticDescriptor CellCannotBeBuilt = Error(
        "RNNG017",
        "The cell cannot be built for these sizes",
        "[{0}] {1}");

    public static readonly DiagnosticDescriptor CellStep = Error(
        "RNNG018",
        "A recurrent cell needs one Step method of the cell's shape",
        "Cell '{0}': {1}");

    public static readonly DiagnosticDescriptor CellConstruct = Error(
        "RNNG019",
        "Not allowed in a cell's Step method",
        "Cell '{0}' uses {1}: {2}");

    public static readonly DiagnosticDescriptor CellUnusable = Error(
        "RNNG020",
        "The cell cannot be used",
        "[Cell(typeof({0}))] {1}");

    public static readonly DiagnosticDescriptor LimitExceeded = Error(
        "RNNG021",
        "Model exceeds a generator limit",
        "{0}: {1}; {2}");

    public static readonly DiagnosticDescriptor GeneratorFailure = Error(
        "RNNG022",
        "RnnGen could not generate the model",
        "RnnGen failed on '{0}' ({1}: {2}); no code is generated for it, other models are unaffected. This is a bug in RnnGen: please report it with the declaration.");

    public static readonly DiagnosticDescriptor LayerWithoutModel = new(
        "RNNG023",
        "Layer attribute without [RnnModel]",
        "'{0}' has {1} but no [RnnModel], so RnnGen ignores them; add [RnnModel(SequenceLength = …, BatchSize = …)] to make it a model, or remove them",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLink("RNNG023"));

    public static readonly DiagnosticDescriptor MemberClash = Error(
        "RNNG024",
        "Member clashes with a generated member",
        "{0} clashes with the generated {1} of model '{2}'; {3}");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new()
    {
        [LimitExceeded.Id] = LimitExceeded,
        [GeneratorFailure.Id] = GeneratorFailure,
        [LayerWithoutModel.Id] = LayerWithoutModel,
        [MemberClash.Id] = MemberClash,
        [CellStep.Id] = CellStep,
        [CellConstruct.Id] = CellConstruct,
        [CellUnusable.Id] = CellUnusable,
        [CellCannotBeBuilt.Id] = CellCannotBeBuilt,
        [InvalidDropout.Id] = InvalidDropout,
        [AttentionNeedsEveryStep.Id] = AttentionNeedsEveryStep,
        [ClassNotPartial.Id] = ClassNotPartial,
        [NonPositiveSize.Id] = NonPositiveSize,
        [InputLayer.Id] = InputLayer,
        [Head.Id] = Head,
        [Loss.Id] = Loss,
        [LossDoesNotFitHead.Id] = LossDoesNotFitHead,
        [LayersSplitAcrossDeclarations.Id] = LayersSplitAcrossDeclarations,
        [DuplicateName.Id] = DuplicateName,
        [MissingRecurrentLayer.Id] = MissingRecurrentLayer,
        [InvalidName.Id] = InvalidName,
        [UnsupportedClass.Id] = UnsupportedClass,
        [LayerOrder.Id] = LayerOrder,
        [ModelTooLarge.Id] = ModelTooLarge,
        [InvalidEnumValue.Id] = InvalidEnumValue,
    };

    /// <summary>All descriptors, for documentation and tests.</summary>
    public static IReadOnlyCollection<DiagnosticDescriptor> All => s_byId.Values;

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    /// <summary>The diagnostic's row in docs/diagnostics.md, which has an anchor named after the lower-case ID.</summary>
    internal static string HelpLink(string id) => BuildInfo.DiagnosticsHelp + "#" + id.ToLowerInvariant();
}
