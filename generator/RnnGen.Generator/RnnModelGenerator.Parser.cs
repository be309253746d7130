using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator;

public sealed partial class RnnModelGenerator
{
    /// <summary>Turns the attributes on one class into a <see cref="ModelSpec"/> plus diagnostics.</summary>
    internal static class Parser
    {
        private const string AttributeNamespace = "RnnGen";

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            var classLocation = LocationInfo.From(declaration.Identifier.GetLocation());

            void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] args) =>
                diagnostics.Add(new DiagnosticInfo(
                    descriptor.Id,
                    location ?? classLocation,
                    new EquatableArray<string>(args.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty))));

            ParseResult Fail() => new(null, new EquatableArray<DiagnosticInfo>(diagnostics));

            // The class itself: partial, top level, not generic, not static.
            bool isPartial = type.DeclaringSyntaxReferences.All(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax c &&
                c.Modifiers.Any(m => m.Text == "partial"));
            if (!isPartial)
            {
                Report(DiagnosticDescriptors.ClassNotPartial, null, type.Name);
            }

            if (type.ContainingType is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name, "nested classes are not supported; declare the model at namespace level");
            }
            else if (type.IsGenericType)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name, "generic classes are not supported");
            }
            else if (type.IsRecord)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name, "records are not supported; declare a partial class");
            }
            else if (IsGeneratedMemberName(type.Name))
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name, $"the generated model has a member named '{type.Name}', and a member cannot share its class's name; give the model another name");
            }
            else if (type.IsStatic)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name, "a model is an object with weights; it cannot be static");
            }

            cancellationToken.ThrowIfCancellationRequested();

            // RnnGen attributes in source order. Attributes on other partial declarations make the
            // order ambiguous, so they are an error.
            var attributes = new List<(AttributeData Data, string Kind, SyntaxReference Syntax)>();
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass is not { } cls ||
                    cls.ContainingNamespace?.ToDisplayString() != AttributeNamespace ||
                    attribute.ApplicationSyntaxReference is not { } syntax)
                {
                    continue;
                }

                string kind = cls.Name.EndsWith("Attribute", StringComparison.Ordinal)
                    ? cls.Name.Substring(0, cls.Name.Length - "Attribute".Length)
                    : cls.Name;
                if (kind is "RnnModel" or "Embedding" or "Input" or "Condition" or "Attention" or "Dropout" or "Rnn" or "Lstm" or "Gru" or "Mut" or "Cell" or "Dense" or "SoftmaxCrossEntropy" or "MeanSquaredError")
                {
                    attributes.Add((attribute, kind, syntax));
                }
            }

            if (attributes.Any(a => !declaration.Span.Contains(a.Syntax.Span) || a.Syntax.SyntaxTree != declaration.SyntaxTree))
            {
                Report(DiagnosticDescriptors.LayersSplitAcrossDeclarations, null, type.Name);
                return Fail();
            }

            attributes.Sort((a, b) => a.Syntax.Span.Start.CompareTo(b.Syntax.Span.Start));

            LocationInfo? At(SyntaxReference syntax) => LocationInfo.From(syntax.GetSyntax(cancellationToken).GetLocation());

            int Positive(AttributeData data, SyntaxReference syntax, string kind, string property, int defaultValue)
            {
                int value = defaultValue;
                foreach (var named in data.NamedArguments)
                {
                    if (named.Key == property && named.Value.Value is int v)
                    {
                        value = v;
                    }
                }

                if (value <= 0)
                {
                    Report(DiagnosticDescriptors.NonPositiveSize, At(syntax), kind, property, value);
                }

                return value;
            }

            string NameOf(AttributeData data, SyntaxReference syntax, string defaultName)
            {
                foreach (var named in data.NamedArguments)
                {
                    if (named.Key == "Name" && named.Value.Value is string s)
                    {
                        if (!IsValidName(s))
                        {
                            Report(DiagnosticDescriptors.InvalidName, At(syntax), s);
                        }

                        return s;
                    }
                }

                return defaultName;
            }

            // A cell whose C# does not compile: the compiler reports it; the model is not generated.
            bool silentFailure = false;

            // [Cell(typeof(T))]: T's Step method read as a definition (its own errors are reported on it
            // by the [RecurrentCell] pipeline; here only why the model cannot use it).
            Cells.CellDefinition? UserCell(AttributeData data, SyntaxReference syntax)
            {
                if (data.ConstructorArguments.Length != 1 || data.ConstructorArguments[0].Value is not INamedTypeSymbol cellType || cellType.TypeKind == TypeKind.Error)
                {
                    silentFailure = true;
                    return null;
                }

                if (!cellType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Cells.UserCellParser.CellsNamespace + ".RecurrentCellAttribute"))
                {
                    Report(DiagnosticDescriptors.CellUnusable, At(syntax), cellType.Name, "names a class that is not marked [RecurrentCell]");
                    return null;
                }

                if (cellType.DeclaringSyntaxReferences.Length == 0)
                {
                    Report(DiagnosticDescriptors.CellUnusable, At(syntax), cellType.Name, "names a cell that is not declared in this project's source; the generator reads a cell's Step method as its equations");
                    return null;
                }

                var result = Cells.UserCellParser.Parse(cellType, context.SemanticModel.Compilation, cancellationToken);
                if (result.Cell is null && result.Diagnostics.Count == 0)
                {
                    silentFailure = true;
                }
                else if (result.Cell is null)
                {
                    Report(DiagnosticDescriptors.CellUnusable, At(syntax), cellType.Name, "names a cell whose Step method has errors (reported on it)");
                }

                return result.Cell;
            }

            int sequenceLength = 0, batchSize = 0;
            InputSpec? input = null;
            var recurrent = new List<RecurrentSpec>();
            var recurrentSyntax = new List<(string Kind, SyntaxReference Syntax)>();
            DenseSpec? dense = null;
            ConditionSpec? condition = null;
            AttentionSpec? attention = null;
            LossKind? loss = null;
            int inputCount = 0, denseCount = 0, lossCount = 0;
            var names = new Dictionary<string, bool>(StringComparer.Ordinal);

            void Name(string name, SyntaxReference syntax)
            {
                if (names.ContainsKey(name))
                {
                    Report(DiagnosticDescriptors.DuplicateName, At(syntax), type.Name, name);
                }

                names[name] = true;
            }

            bool sawLayer = false, sawAttention = false;

            // A [Dropout] waits for the layer after it: the next recurrent layer's input, or the head's.
            double pendingDropout = 0;
            bool dropoutPending = false;
            double headDropout = 0;

            double DropoutProbability(double p, SyntaxReference syntax, string what)
            {
                if (!(p >= 0 && p < 1))
                {
                    Report(DiagnosticDescriptors.InvalidDropout, At(syntax), what, p.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "the probability must be in [0, 1)");
                    return 0;
                }

                return p;
            }

            foreach (var (data, kind, syntax) in attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (kind)
                {
                    case "RnnModel":
                        sequenceLength = Positive(data, syntax, kind, "SequenceLength", 0);
                        batchSize = Positive(data, syntax, kind, "BatchSize", 0);
                        break;

                    case "Embedding":
                    case "Input":
                        inputCount++;
                        if (sawLayer && inputCount == 1)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, "first, before every other layer");
                        }

                        if (kind == "Embedding")
                        {
                            string name = NameOf(data, syntax, "embedding");
                            Name(name, syntax);
                            input = new InputSpec(true, name,
                                Positive(data, syntax, kind, "Vocabulary", 0),
                                Positive(data, syntax, kind, "Dimensions", 0));
                        }
                        else
                        {
                            input = new InputSpec(false, NameOf(data, syntax, "input"), 0, Positive(data, syntax, kind, "Features", 0));
                        }

                        sawLayer = true;
                        break;

                    case "Rnn":
                    case "Lstm":
                    case "Gru":
                    case "Mut":
                    case "Cell":
                    {
                        if (denseCount > 0 || sawAttention)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, sawAttention ? "before [Attention]" : "before the [Dense] head");
                        }

                        string name = NameOf(data, syntax, kind.ToLowerInvariant());
                        Name(name, syntax);
                        int hidden = Positive(data, syntax, kind, "Hidden", 0);
                        int layers = Positive(data, syntax, kind, "Layers", 1);
                        var activation = CellActivation.Tanh;
                        double stackedDropout = 0;
                        bool peepholes = false, coupled = false, resetAfter = true;
                        int projection = 0;
                        int mutVariant = 0;
                        foreach (var named in data.NamedArguments)
                        {
                            if (named.Key == "Dropout" && named.Value.Value is double d)
                            {
                                stackedDropout = DropoutProbability(d, syntax, $"[{kind}] Dropout");
                                if (stackedDropout > 0 && layers < 2)
                                {
                                    Report(DiagnosticDescriptors.InvalidDropout, At(syntax), $"[{kind}] Dropout", d.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "it acts between the stacked layers of the attribute, so it needs Layers of at least 2; declare [Dropout] before or after the layer instead");
                                    stackedDropout = 0;
                                }
                            }

                            if (kind == "Lstm" && named.Key == "Peepholes" && named.Value.Value is bool peep)
                            {
                                peepholes = peep;
                            }

                            if (kind == "Lstm" && named.Key == "Projection" && named.Value.Value is int proj)
                            {
                                if (proj < 0)
                                {
                                    Report(DiagnosticDescriptors.NonPositiveSize, At(syntax), kind, "Projection", proj);
                                }
                                else if (proj > 0 && hidden > 0 && proj >= hidden)
                                {
                                    Report(DiagnosticDescriptors.CellCannotBeBuilt, At(syntax), kind, $"Projection = {proj} must be smaller than Hidden = {hidden}, as PyTorch's proj_size is");
                                }

                                projection = Math.Max(proj, 0);
                            }

                            if (kind == "Lstm" && named.Key == "CoupledGates" && named.Value.Value is bool coupledGates)
                            {
                                coupled = coupledGates;
                            }

                            if (kind == "Gru" && named.Key == "ResetAfter" && named.Value.Value is bool after)
                            {
                                resetAfter = after;
                            }

                            if (kind == "Mut" && named.Key == "Variant" && named.Value.Value is int variant)
                            {
                                if (variant is 0 or 1 or 2)
                                {
                                    mutVariant = variant;
                                }
                                else
                                {
                                    Report(DiagnosticDescriptors.InvalidEnumValue, At(syntax), kind, "Variant", variant, "MutVariant");
                                }
                            }

                            if (named.Key == "Activation" && named.Value.Value is int a)
                            {
                                if (a is 0 or 1)
                                {
                                    activation = (CellActivation)a;
                                }
                                else
                                {
                                    Report(DiagnosticDescriptors.InvalidEnumValue, At(syntax), kind, "Activation", a, "RnnActivation");
                                }
                            }
                        }

                        var cell = kind switch
                        {
                            "Cell" => UserCell(data, syntax) ?? Cells.BuiltInCells.Rnn(CellActivation.Tanh),
                            "Rnn" => Cells.BuiltInCells.Rnn(activation),
                            "Lstm" => Cells.BuiltInCells.Lstm(peepholes, coupled, projection > 0),
                            "Mut" => Cells.BuiltInCells.Mut(mutVariant + 1),
                            _ => Cells.BuiltInCells.Gru(resetAfter),
                        };
                        // Kernels are named after the cell: two different cells of one name (user cells from
                        // two namespaces) get distinct names.
                        if (recurrent.Any(r => r.Cell.Name == cell.Name && !r.Cell.Equals(cell)))
                        {
                            cell = cell with { Name = cell.Name + (recurrent.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };
                        }

                        recurrent.Add(new RecurrentSpec(cell, name, hidden, layers, pendingDropout, stackedDropout, projection));
                        recurrentSyntax.Add((kind, syntax));
                        pendingDropout = 0;
                        dropoutPending = false;
                        sawLayer = true;
                        break;
                    }

                    case "Dense":
                    {
                        denseCount++;
                        if (dropoutPending && !sawAttention)
                        {
                            headDropout = pendingDropout;
                        }

                        dropoutPending = false;
                        string name = NameOf(data, syntax, "dense");
                        Name(name, syntax);
                        var readout = Readout.EveryStep;
                        foreach (var named in data.NamedArguments)
                        {
                            if (named.Key == "Readout" && named.Value.Value is int r)
                            {
                                if (r is 0 or 1 or 2)
                                {
                                    readout = (Readout)r;
                                }
                                else
                                {
                                    Report(DiagnosticDescriptors.InvalidEnumValue, At(syntax), kind, "Readout", r, "RnnReadout");
                                }
                            }
                        }

                        dense = new DenseSpec(name, Positive(data, syntax, kind, "Outputs", 0), readout);
                        sawLayer = true;
                        break;
                    }

                    case "Condition":
                    {
                        if (denseCount > 0)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, "before the [Dense] head");
                        }

                        string name = NameOf(data, syntax, "condition");
                        Name(name, syntax);
                        condition = new ConditionSpec(name, Positive(data, syntax, kind, "Features", 0));
                        break;
                    }

                    case "Attention":
                    {
                        if (denseCount > 0)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, "after the recurrent layers, before the [Dense] head");
                        }

                        string name = NameOf(data, syntax, "attention");
                        Name(name, syntax);
                        if (dropoutPending)
                        {
                            headDropout = pendingDropout;
                            dropoutPending = false;
                        }

                        attention = new AttentionSpec(name,
                            Positive(data, syntax, kind, "MemorySize", 0),
                            Positive(data, syntax, kind, "MemoryLength", 0),
                            Positive(data, syntax, kind, "Units", 0));
                        sawAttention = true;
                        break;
                    }

                    case "Dropout":
                    {
                        double p = data.ConstructorArguments.Length == 1 && data.ConstructorArguments[0].Value is double v ? v : double.NaN;
                        if (!sawLayer || inputCount == 0)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, "after the input layer: it drops values flowing from the layer before it to the layer after it");
                        }
                        else if (denseCount > 0 || sawAttention)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, sawAttention ? "before [Attention]: it drops the top layer's outputs, which the attention and the head read" : "before the [Dense] head");
                        }
                        else if (dropoutPending)
                        {
                            Report(DiagnosticDescriptors.LayerOrder, At(syntax), kind, "between two layers, one per position (two in a row are one dropout of 1 − (1 − p₁)(1 − p₂))");
                        }

                        pendingDropout = DropoutProbability(p, syntax, "[Dropout]");
                        dropoutPending = true;
                        break;
                    }

                    case "SoftmaxCrossEntropy":
                        lossCount++;
                        loss = LossKind.SoftmaxCrossEntropy;
                        break;

                    case "MeanSquaredError":
                        lossCount++;
                        loss = LossKind.MeanSquaredError;
                        break;
                }
            }

            if (inputCount == 0)
            {
                Report(DiagnosticDescriptors.InputLayer, null, type.Name, "has no input layer");
            }
            else if (inputCount > 1)
            {
                Report(DiagnosticDescriptors.InputLayer, null, type.Name, "has more than one input layer");
            }

            if (recurrent.Count == 0)
            {
                Report(DiagnosticDescriptors.MissingRecurrentLayer, null, type.Name);
            }

            // Every layer's cell, lowered for its sizes: a cell that adds x_t element-wise needs its input
            // as wide as its hidden state.
            int layerInput = input?.Features ?? 0;
            for (int i = 0; i < recurrent.Count && layerInput > 0; i++)
            {
                var spec = recurrent[i];
                for (int k = 0; k < spec.Layers && spec.Hidden > 0; k++)
                {
                    var schedule = Cells.CellSchedule.Create(spec.Cell, spec.Hidden, spec.Projection, layerInput);
                    foreach (string problem in schedule.Problems)
                    {
                        Report(DiagnosticDescriptors.CellCannotBeBuilt, At(recurrentSyntax[i].Syntax), recurrentSyntax[i].Kind, $"{spec.Cell.Title}: {problem}");
                    }

                    if (schedule.InputElementwise && layerInput != spec.Hidden)
                    {
                        Report(DiagnosticDescriptors.CellCannotBeBuilt, At(recurrentSyntax[i].Syntax), recurrentSyntax[i].Kind,
                            $"{spec.Cell.Title} adds its input x_t element-wise to values of Hidden = {spec.Hidden} units, so its input must be {spec.Hidden} wide, but it is {layerInput} (layer {k}); make the layer below (or the embedding or input) {spec.Hidden} wide");
                        break;
                    }

                    layerInput = spec.Output;
                }

                layerInput = spec.Output;
            }

            if (denseCount == 0)
            {
                Report(DiagnosticDescriptors.Head, null, type.Name, "has no dense head");
            }
            else if (denseCount > 1)
            {
                Report(DiagnosticDescriptors.Head, null, type.Name, "has more than one dense head");
            }

            if (lossCount == 0)
            {
                Report(DiagnosticDescriptors.Loss, null, type.Name, "has no loss");
            }
            else if (lossCount > 1)
            {
                Report(DiagnosticDescriptors.Loss, null, type.Name, "has more than one loss");
            }
            else if (loss == LossKind.SoftmaxCrossEntropy && dense is { Outputs: > 0 and < 2 })
            {
                Report(DiagnosticDescriptors.LossDoesNotFitHead, null, type.Name, dense.Outputs);
            }

            if (attention is not null && dense is { Readout: not Readout.EveryStep })
            {
                Report(DiagnosticDescriptors.AttentionNeedsEveryStep, null, type.Name);
            }

            if (diagnostics.Count > 0 || input is null || dense is null || loss is null)
            {
                return Fail();
            }

            var model = new ModelSpec(
                type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                type.Name,
                sequenceLength,
                batchSize,
                input,
                new EquatableArray<RecurrentSpec>(recurrent),
                dense,
                loss.Value,
                condition,
                attention,
                headDropout);

            // Sizes that overflow a buffer are a declaration error, not a runtime surprise. One
            // report names the largest buffer.
            var largest = ModelPlan.Create(model).BufferSizes().OrderByDescending(b => b.Floats).First();
            if (largest.Floats > int.MaxValue)
            {
                Report(DiagnosticDescriptors.ModelTooLarge, null, type.Name, largest.Floats.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), largest.What);
            }

            return diagnostics.Count > 0 || silentFailure ? Fail() : new ParseResult(model, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>Names of the generated members and nested types, which the model class cannot have.</summary>
        private static bool IsGeneratedMemberName(string name) =>
            name is "State" or "Kernels" or "Layout" or "SequenceLength" or "BatchSize" or "InputSize" or "OutputSize"
                or "ParameterCount" or "Parameters" or "AccumulateGradients" or "ZeroGradients" or "ResetParameters"
                or "Forward" or "TrainStep" or "Evaluate" or "NewState" or "Step" or "Save" or "Load" or "Dispose"
                or "ThrowIfDisposed" or "ValidateInputs" or "ValidateTargets" or "ValidateConditions" or "RunForward" or "RunBackward" or "ComputeLoss"
                or "OutputSteps" or "LayerCount" or "HiddenSize" or "HasCellState" or "CellSize" or "InitialHidden" or "InitialCell" or "FinalHidden"
                or "FinalCell" or "InitialHiddenGradient" or "InitialCellGradient" or "FinalHiddenGradient" or "FinalCellGradient"
                or "CarryState" or "ResetInitialState" or "Backward" or "Threads" or "ForwardCore" or "TrainStepCore" or "LossPass"
                or "RequireLengths" or "ValidateLengths" or "LengthOf" or "RealRows" or "BeginPass" or "LossRows" or "SumLoss"
                or "ForwardBody" or "BackwardBody" or "ShareStart" or "Barrier" or "EnsurePacked"
                or "ConditionSize" or "Conditions" or "ConditionGradient" or "InitialiseState" or "ConditionForward" or "ConditionBackward"
                or "MemorySize" or "MemoryLength" or "Memory" or "MemoryLengths" or "MemoryGradient" or "AttentionWeights" or "SetMemory"
                or "AttentionForward" or "AttentionBackward" or "AttendRow"
                or "Training" or "DropoutSeed" or "DropoutPasses" or "BeginDropout" or "DropoutRows" or "DropoutRowsBackward"
            || (name.StartsWith("AddFinalStateGradient", StringComparison.Ordinal) && name.Substring("AddFinalStateGradient".Length).All(char.IsDigit))
            || ((name.StartsWith("ForwardLayer", StringComparison.Ordinal) || name.StartsWith("BackwardLayer", StringComparison.Ordinal))
                && name.TrimStart("ForwardBackwardLayer".ToCharArray()).All(char.IsDigit));

        private static bool IsValidName(string name)
        {
            if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_'))
            {
                return false;
            }

            foreach (char c in name)
            {
                if (!(char.IsLetterOrDigit(c) || c == '_') || c > 127)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
