using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Cells;

/// <summary>
/// Reads a <c>[RecurrentCell]</c> class's <c>Step</c> method as equations and builds its
/// <see cref="CellDefinition"/> (see docs/cells.md, "Cells a user writes").
/// </summary>
/// <remarks>
/// The body is evaluated symbolically, statement by statement: every local and state holds a node
/// (or a number, folded at generation time), so reassignments simply rebind. The graph is then
/// lowered: each bias is carried by a product its sum contains (the input's first, which the
/// hoisted product adds for free), and the parameters are ordered so products on one value are
/// adjacent in memory and fuse into one. Every construct the definition cannot express is a
/// diagnostic at its location; nothing here throws for any input.
/// </remarks>
internal static class UserCellParser
{
    public const string CellsNamespace = "RnnGen.Cells";

    /// <summary>The outcome: a definition, or diagnostics; or neither when the C# itself does not compile.</summary>
    internal sealed record Result(CellDefinition? Cell, EquatableArray<DiagnosticInfo> Diagnostics);

    private static readonly Regex s_parameterName = new("^[A-Za-z0-9_]+$", RegexOptions.CultureInvariant);

    private static readonly Dictionary<string, CellOp> s_functions = new(StringComparer.Ordinal)
    {
        ["Sigmoid"] = CellOp.Sigmoid,
        ["Tanh"] = CellOp.Tanh,
        ["Relu"] = CellOp.Relu,
        ["Exp"] = CellOp.Exp,
        ["Softsign"] = CellOp.Softsign,
        ["HardSigmoid"] = CellOp.HardSigmoid,
    };

    public static Result Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        try
        {
            return new Reader(type, compilation, cancellationToken).Read();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            // A bug here must not break the build: report it as the cell's problem.
            var at = LocationInfo.From(type.Locations.FirstOrDefault());
            return new Result(null, new EquatableArray<DiagnosticInfo>(new[]
            {
                new DiagnosticInfo(DiagnosticDescriptors.CellStep.Id, at, new EquatableArray<string>(new[] { type.Name, "the generator could not read it (" + e.GetType().Name + "): please report this cell" })),
            }));
        }
    }

    private enum IrOp
    {
        Input,
        State,
        Constant,
        Linear,
        Bias,
        Vector,
        Add,
        Subtract,
        Multiply,
        Negate,
        Function,
    }

    /// <summary>A value of the body as read: operands are earlier nodes.</summary>
    private sealed record IrNode(IrOp Op, int A = -1, int B = -1, string Name = "", float Constant = 0f, int State = -1, CellOp Function = CellOp.Tanh);

    /// <summary>A local's or state's current value: a node, or a number folded at generation time.</summary>
    private readonly record struct Value(int Node, double Number)
    {
        public bool IsNumber => Node == -1;

        /// <summary>A value already reported as an error: whatever uses it is not reported again.</summary>
        public bool IsError => Node == -2;

        public static Value Error => new(-2, 0);

        public static Value OfNode(int node) => new(node, 0);

        public static Value OfNumber(double number) => new(-1, number);
    }

    private sealed class Reader
    {
        private readonly INamedTypeSymbol _type;
        private readonly Compilation _compilation;
        private readonly CancellationToken _ct;
        private readonly List<DiagnosticInfo> _diagnostics = new();
        private readonly List<IrNode> _nodes = new();
        private readonly Dictionary<IrNode, int> _index = new();
        private readonly List<SyntaxNode?> _syntax = new();
        private readonly Dictionary<ISymbol, Value> _env = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<int, string> _names = new();
        private readonly Dictionary<int, string> _comments = new();
        private readonly List<string> _equations = new();
        private readonly Dictionary<string, (int Source, SyntaxNode Syntax)> _linearSources = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _parameterKinds = new(StringComparer.Ordinal);
        private SemanticModel _model = null!;
        private IParameterSymbol _input = null!;
        private IParameterSymbol _parameters = null!;
        private List<IParameterSymbol> _states = new();

        public Reader(INamedTypeSymbol type, Compilation compilation, CancellationToken ct)
        {
            _type = type;
            _compilation = compilation;
            _ct = ct;
        }

        private Result Failed() => new(null, new EquatableArray<DiagnosticInfo>(_diagnostics));

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode? at, params string[] args) =>
            _diagnostics.Add(new DiagnosticInfo(descriptor.Id, LocationInfo.From((at?.GetLocation()) ?? _type.Locations.FirstOrDefault()), new EquatableArray<string>(args)));

        private void Construct(SyntaxNode at, string what, string why) =>
            Report(DiagnosticDescriptors.CellConstruct, at, _type.Name, what, why);

        public Result Read()
        {
            var steps = _type.GetMembers("Step").OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
            string shape = "a cell declares 'public static void Step(Units x, ref Units h, CellParameters p)', with one 'ref Units' per state (the first is the layer's output)";
            if (steps.Count == 0)
            {
                Report(DiagnosticDescriptors.CellStep, null, _type.Name, "it has no Step method: " + shape);
                return Failed();
            }

            if (steps.Count > 1)
            {
                Report(DiagnosticDescriptors.CellStep, steps[1].DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_ct) is MethodDeclarationSyntax second ? second.Identifier.Parent : null, _type.Name, "it declares Step more than once");
                return Failed();
            }

            var step = steps[0];
            if (step.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_ct) is not MethodDeclarationSyntax method)
            {
                Report(DiagnosticDescriptors.CellStep, null, _type.Name, "its Step method must be declared in this project's source, where the generator can read it");
                return Failed();
            }

            _model = _compilation.GetSemanticModel(method.SyntaxTree);

            // Bounded work: the body is read node by node, so its size is checked first.
            int syntaxNodes = method.DescendantNodes().Count();
            if (syntaxNodes > Limits.MaxCellSyntaxNodes)
            {
                Report(DiagnosticDescriptors.LimitExceeded, method.Identifier.Parent, $"Cell '{_type.Name}'", $"its Step method has {Count(syntaxNodes)} syntax nodes, more than the limit of {Count(Limits.MaxCellSyntaxNodes)}", "split the cell's equations over fewer, simpler assignments");
                return Failed();
            }

            // C# errors in the method are the compiler's to report; reading it then would only add noise.
            if (_model.GetDiagnostics(method.Span, _ct).Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                return new Result(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            var p = step.Parameters;
            bool IsUnits(ITypeSymbol t) => t is INamedTypeSymbol { Name: "Units" } n && n.ContainingNamespace?.ToDisplayString() == CellsNamespace;
            bool signature = step.IsStatic && step.ReturnsVoid && !step.IsGenericMethod && p.Length >= 3
                && IsUnits(p[0].Type) && p[0].RefKind == RefKind.None
                && p[p.Length - 1].Type is INamedTypeSymbol { Name: "CellParameters" } cp && cp.ContainingNamespace?.ToDisplayString() == CellsNamespace && p[p.Length - 1].RefKind == RefKind.None
                && p.Skip(1).Take(p.Length - 2).All(s => IsUnits(s.Type) && s.RefKind == RefKind.Ref);
            if (!signature)
            {
                Report(DiagnosticDescriptors.CellStep, method.ParameterList, _type.Name, "its signature is not a cell's: " + shape);
                return Failed();
            }

            if (method.Body is null && method.ExpressionBody is null)
            {
                Report(DiagnosticDescriptors.CellStep, method.Identifier.Parent, _type.Name, "its Step method has no body");
                return Failed();
            }

            _input = p[0];
            _parameters = p[p.Length - 1];
            _states = p.Skip(1).Take(p.Length - 2).ToList();
            var reserved = new HashSet<string>(StringComparer.Ordinal);
            for (int k = 0; k < _states.Count; k++)
            {
                _env[_states[k]] = Value.OfNode(Add(new IrNode(IrOp.State, State: k), null));
            }

            _env[_input] = Value.OfNode(Add(new IrNode(IrOp.Input), null));

            if (method.Body is { } body)
            {
                foreach (var statement in body.Statements)
                {
                    _ct.ThrowIfCancellationRequested();
                    Statement(statement);
                }
            }
            else if (method.ExpressionBody!.Expression is AssignmentExpressionSyntax assignment)
            {
                Assign(assignment, method.ExpressionBody.Expression);
            }
            else
            {
                Construct(method.ExpressionBody!.Expression, "this expression body", "a cell's body assigns the new states");
            }

            var next = new int[_states.Count];
            for (int k = 0; k < _states.Count; k++)
            {
                var value = _env[_states[k]];
                if (value.IsError)
                {
                    continue;
                }

                if (value.IsNumber || value.Node == k)
                {
                    Report(DiagnosticDescriptors.CellStep, _states[k].DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_ct), _type.Name,
                        value.IsNumber
                            ? $"state '{_states[k].Name}' is given a number; a state's new value is a vector of units"
                            : $"state '{_states[k].Name}' is never given a new value");
                }
                else
                {
                    next[k] = value.Node;
                }
            }

            if (_diagnostics.Count > 0)
            {
                return Failed();
            }

            var cell = Lower(next);
            if (cell.Nodes.Count > Limits.MaxCellOperations)
            {
                Report(DiagnosticDescriptors.LimitExceeded, method.Identifier.Parent, $"Cell '{_type.Name}'", $"its step has {Count(cell.Nodes.Count)} operations, more than the limit of {Count(Limits.MaxCellOperations)}", "each is a line of every SIMD tier's kernels; write the cell with fewer operations");
                return Failed();
            }

            return new Result(cell, EquatableArray<DiagnosticInfo>.Empty);
        }

        private int Add(IrNode node, SyntaxNode? syntax)
        {
            if (_index.TryGetValue(node, out int existing))
            {
                return existing;
            }

            _nodes.Add(node);
            _syntax.Add(syntax);
            _index[node] = _nodes.Count - 1;
            return _nodes.Count - 1;
        }

        private void Statement(StatementSyntax statement)
        {
            switch (statement)
            {
                case EmptyStatementSyntax:
                    return;
                case LocalDeclarationStatementSyntax local:
                    if (local.IsConst)
                    {
                        return; // read through their constant values
                    }

                    foreach (var declarator in local.Declaration.Variables)
                    {
                        if (_model.GetDeclaredSymbol(declarator, _ct) is not ILocalSymbol symbol)
                        {
                            continue;
                        }

                        bool number = symbol.Type.SpecialType is SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Int32;
                        if (!number && !(symbol.Type is INamedTypeSymbol { Name: "Units" } u && u.ContainingNamespace?.ToDisplayString() == CellsNamespace))
                        {
                            Construct(declarator, $"a local of type '{symbol.Type.ToDisplayString()}'", "locals hold Units or numbers");
                            continue;
                        }

                        if (declarator.Initializer is { } init)
                        {
                            var value = Expression(init.Value);
                            if (value.IsError)
                            {
                                _env[symbol] = value;
                                continue;
                            }

                            if (number && !value.IsNumber)
                            {
                                Construct(init.Value, "a number computed from units", "numbers in a cell are constants");
                                continue;
                            }

                            Bind(symbol, value, declarator.Identifier.ValueText, $"{declarator.Identifier.ValueText} = {Text(init.Value)}");
                        }
                    }

                    return;
                case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }:
                    Assign(assignment, statement);
                    return;
                default:
                    Construct(statement, Describe(statement), "a cell's body is a sequence of assignments, evaluated once per step for every unit");
                    return;
            }
        }

        private static string Describe(StatementSyntax statement) => statement switch
        {
            ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax => "a loop",
            IfStatementSyntax or SwitchStatementSyntax => "a branch",
            ReturnStatementSyntax => "a return statement",
            BlockSyntax => "a nested block",
            TryStatementSyntax or ThrowStatementSyntax => "exception handling",
            ExpressionStatementSyntax { Expression: InvocationExpressionSyntax } => "a method call as a statement",
            ExpressionStatementSyntax { Expression: PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax } => "an increment or decrement",
            _ => "a '" + statement.Kind().ToString().Replace("Statement", "").ToLowerInvariant() + "' statement",
        };

        private void Assign(AssignmentExpressionSyntax assignment, SyntaxNode statement)
        {
            var target = _model.GetSymbolInfo(assignment.Left, _ct).Symbol;
            bool isState = target is IParameterSymbol ps && _states.Contains(ps, SymbolEqualityComparer.Default);
            bool isLocal = target is ILocalSymbol;
            if (!(assignment.Left is IdentifierNameSyntax) || !(isState || isLocal))
            {
                Construct(assignment.Left, "an assignment to '" + Text(assignment.Left) + "'", "a cell assigns its locals and its states only");
                return;
            }

            var right = Expression(assignment.Right);
            Value value;
            string op;
            switch (assignment.Kind())
            {
                case SyntaxKind.SimpleAssignmentExpression:
                    value = right;
                    op = "";
                    break;
                case SyntaxKind.AddAssignmentExpression:
                    value = Binary(IrOp.Add, Current(target!, assignment.Left), right, assignment);
                    op = "+";
                    break;
                case SyntaxKind.SubtractAssignmentExpression:
                    value = Binary(IrOp.Subtract, Current(target!, assignment.Left), right, assignment);
                    op = "-";
                    break;
                case SyntaxKind.MultiplyAssignmentExpression:
                    value = Binary(IrOp.Multiply, Current(target!, assignment.Left), right, assignment);
                    op = "*";
                    break;
                case SyntaxKind.DivideAssignmentExpression:
                    value = Divide(Current(target!, assignment.Left), right, assignment);
                    op = "/";
                    break;
                default:
                    Construct(assignment, "the operator '" + assignment.OperatorToken.ValueText + "'", "a cell uses =, +=, -=, *= and /= by a number");
                    return;
            }

            if (value.IsError)
            {
                _env[target!] = value;
                return;
            }

            if (isLocal && ((ILocalSymbol)target!).Type.SpecialType is SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Int32 && !value.IsNumber)
            {
                Construct(assignment.Right, "a number computed from units", "numbers in a cell are constants");
                return;
            }

            string name = ((IdentifierNameSyntax)assignment.Left).Identifier.ValueText;
            string equation = op.Length == 0 ? $"{name} = {Text(assignment.Right)}" : $"{name} = {name} {op} ({Text(assignment.Right)})";
            Bind(target!, value, name, equation);
            _ = statement;
        }

        private Value Current(ISymbol symbol, SyntaxNode at)
        {
            if (_env.TryGetValue(symbol, out var value))
            {
                return value;
            }

            Construct(at, "'" + symbol.Name + "' before it is assigned", "give it a value first");
            return Value.Error;
        }

        private void Bind(ISymbol symbol, Value value, string name, string equation)
        {
            _env[symbol] = value;
            if (value.IsNumber)
            {
                return;
            }

            _equations.Add(equation);
            if (!_names.ContainsKey(value.Node) && _nodes[value.Node].Op is not (IrOp.Input or IrOp.State))
            {
                _names[value.Node] = name;
                _comments[value.Node] = equation;
            }
        }

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        private static string Text(SyntaxNode node) => Regex.Replace(node.ToString(), @"\s+", " ").Trim();

        private Value Expression(ExpressionSyntax e)
        {
            // Nesting is bounded by the body's size limit; this turns anything deeper than the thread's
            // stack into an exception the caller reports, never a crash of the compiler.
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            _ct.ThrowIfCancellationRequested();
            var constant = _model.GetConstantValue(e, _ct);
            if (constant.HasValue)
            {
                switch (constant.Value)
                {
                    case float f: return Value.OfNumber(f);
                    case double d: return Value.OfNumber(d);
                    case int i: return Value.OfNumber(i);
                    case long l: return Value.OfNumber(l);
                    default:
                        Construct(e, "the constant " + Text(e), "a cell computes with numbers and units");
                        return Value.Error;
                }
            }

            switch (e)
            {
                case ParenthesizedExpressionSyntax paren:
                    return Expression(paren.Expression);
                case CheckedExpressionSyntax check:
                    return Expression(check.Expression);
                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression):
                {
                    var a = Expression(unary.Operand);
                    if (a.IsError)
                    {
                        return a;
                    }

                    return a.IsNumber ? Value.OfNumber(-a.Number) : Value.OfNode(Add(new IrNode(IrOp.Negate, a.Node), unary));
                }

                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryPlusExpression):
                    return Expression(unary.Operand);
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression):
                    return Binary(IrOp.Add, Expression(binary.Left), Expression(binary.Right), binary);
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.SubtractExpression):
                    return Binary(IrOp.Subtract, Expression(binary.Left), Expression(binary.Right), binary);
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.MultiplyExpression):
                    return Binary(IrOp.Multiply, Expression(binary.Left), Expression(binary.Right), binary);
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.DivideExpression):
                    return Divide(Expression(binary.Left), Expression(binary.Right), binary);
                case IdentifierNameSyntax identifier:
                    return Identifier(identifier);
                case InvocationExpressionSyntax invocation:
                    return Invocation(invocation);
                case CastExpressionSyntax cast:
                    Construct(cast, "a cast", "a cell computes with Units and constant numbers");
                    return Value.Error;
                case ConditionalExpressionSyntax:
                    Construct(e, "a conditional expression", "a branch; every unit takes the same path (use Relu, HardSigmoid or a gate instead)");
                    return Value.Error;
                case BinaryExpressionSyntax binary:
                    Construct(e, "the operator '" + binary.OperatorToken.ValueText + "'", "a cell uses +, -, * and / by a number");
                    return Value.Error;
                case MemberAccessExpressionSyntax:
                    Construct(e, "'" + Text(e) + "'", "a cell reads its input, states, locals and parameters, not fields or properties");
                    return Value.Error;
                case ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax:
                    Construct(e, "'new'", "a cell's values are computed from its input, states and parameters");
                    return Value.Error;
                case ElementAccessExpressionSyntax:
                    Construct(e, "indexing", "a cell computes on whole vectors of units");
                    return Value.Error;
                default:
                    Construct(e, "'" + Text(e) + "'", "a cell is built from +, -, *, / by a number, CellMath functions and the parameters' Linear, Bias and Vector");
                    return Value.Error;
            }
        }

        private Value Identifier(IdentifierNameSyntax identifier)
        {
            var symbol = _model.GetSymbolInfo(identifier, _ct).Symbol;
            if (symbol is IParameterSymbol parameter && SymbolEqualityComparer.Default.Equals(parameter, _parameters))
            {
                Construct(identifier, "the parameters object '" + parameter.Name + "' as a value", "call its Linear, Bias or Vector");
                return Value.Error;
            }

            if (symbol is IParameterSymbol or ILocalSymbol)
            {
                return Current(symbol, identifier);
            }

            Construct(identifier, "'" + identifier.Identifier.ValueText + "'", symbol is IFieldSymbol or IPropertySymbol
                ? "a cell reads its input, states, locals and parameters, not fields or properties"
                : "a cell reads its input, states, locals and parameters only");
            return Value.Error;
        }

        private Value Invocation(InvocationExpressionSyntax invocation)
        {
            var method = _model.GetSymbolInfo(invocation, _ct).Symbol as IMethodSymbol;
            string container = method?.ContainingType?.ToDisplayString() ?? "";
            var args = invocation.ArgumentList.Arguments;
            if (args.Any(a => a.NameColon is not null || !a.RefKindKeyword.IsKind(SyntaxKind.None)))
            {
                Construct(invocation, "named or ref arguments", "pass the arguments in order");
                return Value.Error;
            }

            if (method is not null && container == CellsNamespace + ".CellMath" && s_functions.TryGetValue(method.Name, out var function) && args.Count == 1)
            {
                var a = Expression(args[0].Expression);
                if (a.IsError)
                {
                    return a;
                }

                if (a.IsNumber)
                {
                    Construct(args[0], method.Name + " of a number", "apply CellMath functions to units");
                    return Value.Error;
                }

                return Value.OfNode(Add(new IrNode(IrOp.Function, a.Node, Function: function), invocation));
            }

            if (method is not null && container == CellsNamespace + ".CellParameters" && method.Name is "Linear" or "Bias" or "Vector")
            {
                if (invocation.Expression is not MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver }
                    || !SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(receiver, _ct).Symbol, _parameters))
                {
                    Construct(invocation, "parameters other than the Step method's", $"call {method.Name} on '{_parameters.Name}'");
                    return Value.Error;
                }

                if (args.Count < 1 || _model.GetConstantValue(args[0].Expression, _ct) is not { HasValue: true, Value: string name } || !s_parameterName.IsMatch(name))
                {
                    Construct(args.Count > 0 ? args[0] : invocation, "this parameter name", "a name is a constant string of ASCII letters, digits and underscores");
                    return Value.Error;
                }

                string full = (method.Name == "Bias" ? "bias_" : "weight_") + name;
                string kind = method.Name == "Vector" ? "Vector" : method.Name;
                if (_parameterKinds.TryGetValue(full, out var other) && other != kind)
                {
                    Construct(args[0], $"the name '{name}' for a {kind.ToLowerInvariant()}", $"'{full}' is already a {(other == "Linear" ? "matrix" : other.ToLowerInvariant())}; give it another name");
                    return Value.Error;
                }

                _parameterKinds[full] = kind;
                if (method.Name != "Linear")
                {
                    return Value.OfNode(Add(new IrNode(method.Name == "Bias" ? IrOp.Bias : IrOp.Vector, Name: name), invocation));
                }

                var source = Expression(args[1].Expression);
                if (source.IsError)
                {
                    return source;
                }

                if (source.IsNumber)
                {
                    Construct(args[1], "a matrix applied to a number", "Linear multiplies units");
                    return Value.Error;
                }

                if (_nodes[source.Node].Op is IrOp.Linear or IrOp.Bias or IrOp.Vector or IrOp.Constant)
                {
                    Construct(args[1], "a matrix applied to a parameter or to another product directly", "apply it to the input, a state or a value computed from them (two matrices in a row are one matrix)");
                    return Value.Error;
                }

                if (_linearSources.TryGetValue(name, out var previous) && previous.Source != source.Node)
                {
                    Construct(invocation, $"the matrix '{name}' on a second value", "a matrix is applied to one value; give the second product its own name");
                    return Value.Error;
                }

                _linearSources[name] = (source.Node, invocation);

                // An unnamed value a matrix reads (f * h in p.Linear("un", f * h)) is kept for the backward
                // pass: name it after the matrix, and say what it is.
                if (!_names.ContainsKey(source.Node) && _nodes[source.Node].Op is not (IrOp.Input or IrOp.State))
                {
                    _names[source.Node] = name + "Input";
                    _comments[source.Node] = $"{Text(args[1].Expression)}, the value weight_{name} reads";
                }
                return Value.OfNode(Add(new IrNode(IrOp.Linear, source.Node, Name: name), invocation));
            }

            Construct(invocation, "a call to '" + (method?.Name ?? Text(invocation.Expression)) + "'",
                "a cell calls CellMath.Sigmoid, Tanh, Relu, Exp, Softsign, HardSigmoid and its parameters' Linear, Bias and Vector only");
            return Value.Error;
        }

        private Value Binary(IrOp op, Value a, Value b, SyntaxNode at)
        {
            if (a.IsError || b.IsError)
            {
                return Value.Error;
            }

            if (a.IsNumber && b.IsNumber)
            {
                return Value.OfNumber(op switch
                {
                    IrOp.Add => a.Number + b.Number,
                    IrOp.Subtract => a.Number - b.Number,
                    _ => a.Number * b.Number,
                });
            }

            int left = a.IsNumber ? Add(new IrNode(IrOp.Constant, Constant: (float)a.Number), null) : a.Node;
            int right = b.IsNumber ? Add(new IrNode(IrOp.Constant, Constant: (float)b.Number), null) : b.Node;
            return Value.OfNode(Add(new IrNode(op, left, right), at));
        }

        private Value Divide(Value a, Value b, SyntaxNode at)
        {
            if (a.IsError || b.IsError)
            {
                return Value.Error;
            }

            if (!b.IsNumber)
            {
                Construct(at, "division by units", "a cell divides by numbers only (multiply by a gate instead)");
                return Value.Error;
            }

            if (b.Number == 0)
            {
                Construct(at, "division by zero", "divide by a non-zero number");
                return Value.Error;
            }

            if (a.IsNumber)
            {
                return Value.OfNumber(a.Number / b.Number);
            }

            // As Units does: a · (1 / b) in single precision.
            float reciprocal = 1f / (float)b.Number;
            return Value.OfNode(Add(new IrNode(IrOp.Multiply, a.Node, Add(new IrNode(IrOp.Constant, Constant: reciprocal), null)), at));
        }

        /// <summary>
        /// The definition: reachable nodes only, biases carried by products, parameters in a fusion
        /// friendly order (matrices by the value they read, the input's first; then vectors; then
        /// biases in the order of their matrices; then biases no product carries).
        /// </summary>
        private CellDefinition Lower(int[] next)
        {
            int count = _nodes.Count;
            var reachable = new bool[count];
            var stack = new Stack<int>(next);
            while (stack.Count > 0)
            {
                int n = stack.Pop();
                if (n < 0 || reachable[n])
                {
                    continue;
                }

                reachable[n] = true;
                stack.Push(_nodes[n].A);
                stack.Push(_nodes[n].B);
            }

            var users = new List<int>[count];
            for (int i = 0; i < count; i++)
            {
                users[i] = new List<int>();
            }

            for (int i = 0; i < count; i++)
            {
                if (!reachable[i])
                {
                    continue;
                }

                if (_nodes[i].A >= 0)
                {
                    users[_nodes[i].A].Add(i);
                }

                if (_nodes[i].B >= 0 && _nodes[i].B != _nodes[i].A)
                {
                    users[_nodes[i].B].Add(i);
                }
            }

            int Uses(int n) => users[n].Count + next.Count(s => s == n);

            // Biases ride on a product in their sum: the Add holding the bias passes its other operand on.
            var carriedBy = new Dictionary<int, int>();        // bias node → linear node
            var biasOfLinear = new Dictionary<int, int>();     // linear node → bias node
            var bypass = new Dictionary<int, int>();           // add node → the operand it stands for
            for (int b = 0; b < count; b++)
            {
                if (!reachable[b] || _nodes[b].Op != IrOp.Bias || Uses(b) != 1 || users[b].Count != 1 || _nodes[users[b][0]].Op != IrOp.Add)
                {
                    continue;
                }

                int parent = users[b][0];
                int sibling = _nodes[parent].A == b ? _nodes[parent].B : _nodes[parent].A;
                if (sibling == b || carriedBy.ContainsKey(sibling))
                {
                    continue;
                }

                int top = parent;
                while (Uses(top) == 1 && users[top].Count == 1 && _nodes[users[top][0]].Op == IrOp.Add)
                {
                    top = users[top][0];
                }

                var terms = new List<int>();
                void Flatten(int n, bool isTop)
                {
                    if (_nodes[n].Op == IrOp.Add && (isTop || Uses(n) == 1))
                    {
                        Flatten(_nodes[n].A, false);
                        Flatten(_nodes[n].B, false);
                    }
                    else
                    {
                        terms.Add(n);
                    }
                }

                Flatten(top, true);
                var candidates = terms.Where(t => _nodes[t].Op == IrOp.Linear && Uses(t) == 1 && !biasOfLinear.ContainsKey(t)).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                int carrier = candidates.Any(t => _nodes[_nodes[t].A].Op == IrOp.Input) ? candidates.First(t => _nodes[_nodes[t].A].Op == IrOp.Input) : candidates[0];
                carriedBy[b] = carrier;
                biasOfLinear[carrier] = b;
                bypass[parent] = sibling;
            }

            int Resolve(int n)
            {
                while (bypass.TryGetValue(n, out int other))
                {
                    n = other;
                }

                return n;
            }

            // Parameter order.
            var linears = Enumerable.Range(0, count).Where(i => reachable[i] && _nodes[i].Op == IrOp.Linear).ToList();
            var sources = linears.Select(i => _nodes[i].A).Distinct().OrderBy(s => _nodes[s].Op == IrOp.Input ? -1 : linears.First(l => _nodes[l].A == s)).ToList();
            var matrixOrder = sources.SelectMany(s => linears.Where(l => _nodes[l].A == s).OrderBy(l => biasOfLinear.ContainsKey(l) ? 0 : 1).ThenBy(l => l)).ToList();
            var vectors = Enumerable.Range(0, count).Where(i => reachable[i] && _nodes[i].Op == IrOp.Vector).ToList();
            var looseBiases = Enumerable.Range(0, count).Where(i => reachable[i] && _nodes[i].Op == IrOp.Bias && !carriedBy.ContainsKey(i)).ToList();

            var c = new CellBuilder();
            var map = new int[count];
            for (int k = 0; k < _states.Count; k++)
            {
                map[_index[new IrNode(IrOp.State, State: k)]] = c.State(SafeName(_states[k].Name), CellWidth.Hidden, conditionTanh: k == 0);
            }

            var matrixOf = new Dictionary<int, int>();
            foreach (int l in matrixOrder)
            {
                var columns = _nodes[_nodes[l].A].Op == IrOp.Input ? CellWidth.Input : CellWidth.Hidden;
                matrixOf[l] = c.MatrixBiasLater("weight_" + _nodes[l].Name, 1, CellWidth.Hidden, columns);
            }

            var vectorOf = new Dictionary<int, int>();
            foreach (int v in vectors)
            {
                vectorOf[v] = c.VectorParameter("weight_" + _nodes[v].Name, 1);
            }

            foreach (int l in matrixOrder.Where(biasOfLinear.ContainsKey))
            {
                c.BiasOf(matrixOf[l], "bias_" + _nodes[biasOfLinear[l]].Name);
            }

            foreach (int b in looseBiases)
            {
                vectorOf[b] = c.VectorParameter("bias_" + _nodes[b].Name, 1);
            }

            var usedNames = new HashSet<string>(StringComparer.Ordinal) { "x" };
            foreach (var s in _states)
            {
                usedNames.Add(SafeName(s.Name));
                usedNames.Add(SafeName(s.Name) + "Prev");
            }

            for (int i = 0; i < count; i++)
            {
                if (!reachable[i] || carriedBy.ContainsKey(i) || bypass.ContainsKey(i))
                {
                    continue;
                }

                var n = _nodes[i];
                string? comment = _comments.TryGetValue(i, out var text) ? text : null;
                string? name = _names.TryGetValue(i, out var given) ? Unique(SafeName(given), usedNames) : null;
                int A() => map[Resolve(n.A)];
                int B() => map[Resolve(n.B)];
                map[i] = n.Op switch
                {
                    IrOp.State => map[i],
                    IrOp.Input => c.Input(),
                    IrOp.Constant => c.Constant(n.Constant),
                    IrOp.Linear => c.Product(matrixOf[i], 0, A(), name),
                    IrOp.Bias or IrOp.Vector => c.Name(c.Vector(vectorOf[i], 0), name),
                    IrOp.Add => c.Add(A(), B(), comment, name),
                    IrOp.Subtract => c.Subtract(A(), B(), comment, name),
                    IrOp.Multiply => c.Multiply(A(), B(), comment, name),
                    IrOp.Negate => c.Negate(A(), comment, name),
                    _ => c.Unary(n.Function, A(), comment, name),
                };
            }

            var equations = _equations.Distinct().ToList();
            return c.Build(_type.Name, _type.Name, equations, next.Select(n => map[Resolve(n)]).ToArray());
        }

        /// <summary>A user's name as a generated identifier: verbatim when plain ASCII, else "v".</summary>
        private static string SafeName(string name) => Regex.IsMatch(name, "^[A-Za-z_][A-Za-z0-9_]*$") ? name : "v";

        private static string Unique(string name, HashSet<string> used)
        {
            string candidate = name;
            for (int i = 2; !used.Add(candidate); i++)
            {
                candidate = name + i.ToString(CultureInfo.InvariantCulture);
            }

            return candidate;
        }
    }
}
