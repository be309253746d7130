using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
        public const string AttributeNamespace = "RnnGen";

        /// <summary>The layer attributes (every RnnGen model attribute but [RnnModel] itself), by name without "Attribute".</summary>
        public static readonly string[] LayerKinds =
        [
            "Embedding", "Input", "Condition", "Attention", "Dropout", "Rnn", "Lstm", "Gru", "Mut", "Cell", "Dense", "SoftmaxCrossEntropy", "MeanSquaredError",
        ];

        /// <summary>
        /// RNNG023 for a class with layer attributes but no [RnnModel], from the pipeline of
        /// <paramref name="kind"/>: only when it is the kind of the class's first layer attribute and
        /// that attribute is on <paramref name="context"/>'s declaration, so the class gets one warning.
        /// </summary>
        public static DiagnosticInfo? LayersWithoutModel(GeneratorAttributeSyntaxContext context, string kind, CancellationToken cancellationToken)
        {
            try
            {
                if (context.TargetSymbol is not INamedTypeSymbol type)
                {
                    return null;
                }

                var layers = new List<(string Kind, SyntaxReference Syntax)>();
                foreach (var attribute in type.GetAttributes())
                {
                    if (attribute.AttributeClass is not { } cls || cls.ContainingNamespace?.ToDisplayString() != AttributeNamespace)
                    {
                        continue;
                    }

                    if (cls.Name == "RnnModelAttribute")
                    {
                        return null;
                    }

                    string name = cls.Name.EndsWith("Attribute", StringComparison.Ordinal) ? cls.Name.Substring(0, cls.Name.Length - "Attribute".Length) : cls.Name;
                    if (LayerKinds.Contains(name) && attribute.ApplicationSyntaxReference is { } syntax)
                    {
                        layers.Add((name, syntax));
                    }
                }

                var first = layers
                    .OrderBy(l => l.Syntax.SyntaxTree.FilePath, StringComparer.Ordinal)
                    .ThenBy(l => l.Syntax.Span.Start)
                    .FirstOrDefault();
                if (first.Kind != kind || first.Syntax.SyntaxTree != context.TargetNode.SyntaxTree || !context.TargetNode.Span.Contains(first.Syntax.Span))
                {
                    return null;
                }

                var kinds = layers.Select(l => "[" + l.Kind + "]").Distinct().ToList();
                string list = kinds.Count == 1 ? kinds[0] : string.Join(", ", kinds.Take(kinds.Count - 1)) + " and " + kinds[kinds.Count - 1];
                return new DiagnosticInfo(
                    DiagnosticDescriptors.LayerWithoutModel.Id,
                    LocationInfo.From(first.Syntax.GetSyntax(cancellationToken).GetLocation()),
                    new EquatableArray<string>([type.Name, list]));
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                // A warning is not worth breaking the generator for.
                return null;
            }
        }

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            try
            {
                return ParseModel(context, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // A bug here must not take the other models down with it (the compiler drops every
                // output of a generator that throws): it is this model's error.
                var type = (INamedTypeSymbol)context.TargetSymbol;
                var at = LocationInfo.From(((TypeDeclarationSyntax)context.TargetNode).Identifier.GetLocation());
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>([DiagnosticInfo.Failure(at, type.Name, e)]));
            }
        }

        /// <summary>
        /// The type named <c>var</c> that the generated members of <paramref name="type"/> would see
        /// (declared in one of its namespaces, imported, nested in the class or its bases, or the class
        /// itself), as its display string; <see langword="null"/> when there is none. Such a type turns
        /// every <c>var x = …</c> of the generated code into a declaration of that type.
        /// </summary>
        private static string? TypeNamedVar(INamedTypeSymbol type, List<TypeDeclarationSyntax> declarations, SemanticModel semanticModel)
        {
            static bool IsVar(ISymbol s) => s is INamedTypeSymbol { Arity: 0 };

            foreach (var declaration in declarations)
            {
                // Inside the class body, lookup sees its nested types and those of its bases too;
                // without a body (class C;), the namespace scope at the declaration.
                int position = declaration.OpenBraceToken.IsMissing || declaration.OpenBraceToken.IsKind(SyntaxKind.None)
                    ? declaration.SpanStart
                    : declaration.OpenBraceToken.Span.End;
                var model = declaration.SyntaxTree == semanticModel.SyntaxTree
                    ? semanticModel
                    : semanticModel.Compilation.GetSemanticModel(declaration.SyntaxTree);
                if (model.LookupNamespacesAndTypes(position, name: "var").FirstOrDefault(IsVar) is { } found)
                {
                    return found.ToDisplayString();
                }
            }

            for (var t = type; t is not null; t = t.BaseType)
            {
                if (t.GetTypeMembers("var").FirstOrDefault(IsVar) is { } nested)
                {
                    return nested.ToDisplayString();
                }
            }

            return null;
        }

        private static ParseResult ParseModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
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

            var declarations = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .ToList();

            // The class itself: partial, top level, not generic, not static. Each declaration without
            // 'partial' is reported where it is.
            foreach (var part in declarations.Where(d => !d.Modifiers.Any(SyntaxKind.PartialKeyword)))
            {
                Report(DiagnosticDescriptors.ClassNotPartial, LocationInfo.From(part.Identifier.GetLocation()), type.Name);
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
            else if (type.IsStatic)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name, "a model is an object with weights; it cannot be static");
            }
            else if (declarations.FirstOrDefault(d => d.ParameterList is not null) is { } primary)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, LocationInfo.From(primary.ParameterList!.GetLocation()), type.Name,
                    "it has a primary constructor, which the generated constructor cannot call; declare the parameters as members, or a constructor that calls this(seed)");
            }
            else if (TypeNamedVar(type, declarations, context.SemanticModel) is { } hiding)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, null, type.Name,
                    $"a type named 'var' ({hiding}) is visible here, and the generated code declares its locals with C#'s 'var', which that type would replace; rename the type (C# warns about lower-case type names, CS8981)");
            }

            // A compile error in an attribute of the class (an argument that does not bind, is not a
            // constant or has the wrong type; an attribute that does not resolve) is the error to fix:
            // nothing is generated and no RNNG diagnostic adds a second, misleading error about
            // values the compiler could not read.
            // The same holds for the class's name (a name C# forbids for types, such as 'scoped'; a second
            // type of that name): the generated code would repeat the error.
            if (declarations.Any(d => AttributesHaveErrors(d, context.SemanticModel, cancellationToken)))
            {
                return Fail();
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
                if (kind == "RnnModel" || LayerKinds.Contains(kind))
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
                else if (value > Limits.MaxLayers && property == "Layers")
                {
                    Report(DiagnosticDescriptors.LimitExceeded, At(syntax), $"[{kind}] Layers = {Count(value)}", $"more than the limit of {Limits.MaxLayers} recurrent layers", "a stack that deep does not train well and its generated code would be huge; use fewer layers");
                    return 1;
                }
                else if (value > Limits.MaxSize)
                {
                    Report(DiagnosticDescriptors.LimitExceeded, At(syntax), $"[{kind}] {property} = {Count(value)}", $"more than the limit of {Count(Limits.MaxSize)} for any one size", "no buffer of a model this wide fits in memory; reduce the size");
                    return 1;
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
            bool rationalActivations = false;
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
                    Report(DiagnosticDescriptors.DuplicateName, At(syntax), $"Two layers of '{type.Name}' are named '{name}'");
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
                        foreach (var named in data.NamedArguments)
                        {
                            if (named.Key == "ActivationMath" && named.Value.Value is int math)
                            {
                                if (math is 0 or 1)
                                {
                                    rationalActivations = math == 1;
                                }
                                else
                                {
                                    Report(DiagnosticDescriptors.InvalidEnumValue, At(syntax), kind, "ActivationMath", math, "ActivationMath");
                                }
                            }
                        }

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

            // Bounded resources: the generated code grows with the layers (each has its drivers and
            // parameters), so their number is checked before anything is built per layer.
            long totalLayers = recurrent.Sum(r => (long)Math.Max(r.Layers, 0));
            if (totalLayers > Limits.MaxLayers)
            {
                Report(DiagnosticDescriptors.LimitExceeded, null, $"'{type.Name}' has {Count(totalLayers)} recurrent layers (the sum of every attribute's Layers)", $"more than the limit of {Limits.MaxLayers}", "a stack that deep does not train well and its generated code would be huge; use fewer layers");
                return Fail();
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
                MemberSignatures.NamespaceName(type.ContainingNamespace),
                type.Name,
                sequenceLength,
                batchSize,
                input,
                new EquatableArray<RecurrentSpec>(recurrent),
                dense,
                loss.Value,
                condition,
                attention,
                headDropout,
                rationalActivations);

            // Sizes that overflow a buffer are a declaration error, not a runtime surprise. One
            // report names the largest buffer.
            var plan = ModelPlan.Create(model);
            var largest = plan.BufferSizes().OrderByDescending(b => b.Floats).First();
            if (largest.Floats > int.MaxValue)
            {
                Report(DiagnosticDescriptors.ModelTooLarge, null, type.Name, Count(largest.Floats), largest.What);
            }

            // Every parameter adds a line to the methods that create, initialise and pack them.
            if (plan.ParameterList.Count > Limits.MaxParameterTensors)
            {
                Report(DiagnosticDescriptors.LimitExceeded, null, $"'{type.Name}' has {Count(plan.ParameterList.Count)} parameter tensors", $"more than the limit of {Count(Limits.MaxParameterTensors)}", "the methods that create and initialise them would grow past what the JIT optimises; use fewer layers or a cell with fewer parameters");
            }

            // The generated Layout class names every buffer region after its layer and parameter (or its
            // cell's state or value); two names that differ only where C# spells them alike clash.
            var regions = new Dictionary<string, BufferRegion>(StringComparer.Ordinal);
            foreach (var region in plan.Layouts.SelectMany(l => l.Regions))
            {
                if (regions.TryGetValue(region.Name, out var earlier))
                {
                    var first = plan.ParameterList.FirstOrDefault(p => p.Identifier == region.Name);
                    Report(DiagnosticDescriptors.DuplicateName, null, first is not null && plan.ParameterList.FirstOrDefault(p => p != first && p.Identifier == region.Name) is { } second
                        ? $"'{type.Name}' would have two parameters, '{first.Name}' and '{second.Name}', that are both '{region.Name}' in C#"
                        : $"'{type.Name}' would have two buffers named '{region.Name}' ({earlier.Shape}; {region.Shape})");
                    break;
                }

                regions.Add(region.Name, region);
            }

            if (diagnostics.Count > 0 || silentFailure)
            {
                return Fail();
            }

            // The user's own members, which the generated ones must not clash with: compared once the
            // model is emitted. Their locations come from Locate, apart, so that moving code leaves this
            // result, and the emitted code, cached.
            var members = MemberSignatures.Of(type, model.Namespace);
            return new ParseResult(
                new ModelDeclaration(model, new EquatableArray<MemberSignature>(members.Select(m => m.Signature))),
                EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>
        /// Where an [RnnModel] class and its members (in the order of <see cref="ModelDeclaration.UserMembers"/>)
        /// are declared, for the problems found once the model is emitted.
        /// </summary>
        public static ModelLocations? Locate(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            try
            {
                var type = (INamedTypeSymbol)context.TargetSymbol;
                var classLocation = LocationInfo.From(((TypeDeclarationSyntax)context.TargetNode).Identifier.GetLocation());
                string? ns = MemberSignatures.NamespaceName(type.ContainingNamespace);
                var members = MemberSignatures.Of(type, ns);
                cancellationToken.ThrowIfCancellationRequested();
                return new ModelLocations(
                    ns is null ? type.Name : ns + "." + type.Name,
                    classLocation,
                    new EquatableArray<LocationInfo>(members.Select(m => LocationInfo.From(m.Location) ?? classLocation!)));
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                // Problems without a location are still reported, at no place.
                return null;
            }
        }

        /// <summary>
        /// Whether the compiler reports an error inside the attribute lists of <paramref name="declaration"/>,
        /// or at its name (except a missing 'partial', which RNNG001 explains).
        /// </summary>
        private static bool AttributesHaveErrors(TypeDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
        {
            if (model.SyntaxTree != declaration.SyntaxTree)
            {
                model = model.Compilation.GetSemanticModel(declaration.SyntaxTree);
            }

            int start = declaration.AttributeLists.Count > 0 ? declaration.AttributeLists[0].SpanStart : declaration.Identifier.SpanStart;
            var span = Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, declaration.Identifier.Span.End);
            return model.GetDiagnostics(span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS0260"
                && (d.Location.SourceSpan.End <= declaration.Identifier.SpanStart ? declaration.AttributeLists.Any(l => l.Span.Contains(d.Location.SourceSpan)) : d.Location.SourceSpan.IntersectsWith(declaration.Identifier.Span)));
        }

        /// <summary>A count with thousands separators, whatever the culture: "100,000".</summary>
        private static string Count(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>
        /// Whether a layer name is a C# identifier (letters of any script, digits, underscores, combining
        /// marks; not starting with a digit), without the invisible formatting characters C# ignores in
        /// identifiers: the name is both a weight-file key and part of generated C# names.
        /// </summary>
        private static bool IsValidName(string name) =>
            SyntaxFacts.IsValidIdentifier(name)
            && !name.Any(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);
    }
}
