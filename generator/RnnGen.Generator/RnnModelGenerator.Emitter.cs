using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Emission;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator;

public sealed partial class RnnModelGenerator
{
    /// <summary>
    /// Emits a valid model and checks what was emitted: its size, and its members against the user's
    /// (read back from the generated code, so the check always matches what the emitter writes).
    /// </summary>
    internal static class Emitter
    {
        public static GeneratedModel Emit(ModelDeclaration declaration, CancellationToken cancellationToken)
        {
            var spec = declaration.Spec;
            var problems = new List<ModelProblem>();
            void Problem(string id, int member, params string[] args) => problems.Add(new ModelProblem(id, member, new EquatableArray<string>(args)));
            GeneratedModel Failed() => new(spec.FullName, null, null, new EquatableArray<ModelProblem>(problems));
            try
            {
                var plan = ModelPlan.Create(spec);
                string model = ModelEmitter.EmitModel(plan);
                cancellationToken.ThrowIfCancellationRequested();
                string kernels = ModelEmitter.EmitKernels(plan);
                cancellationToken.ThrowIfCancellationRequested();

                long size = (long)model.Length + kernels.Length;
                if (size > Limits.MaxGeneratedCharacters)
                {
                    Problem(DiagnosticDescriptors.LimitExceeded.Id, ModelProblem.AtClass,
                        $"'{spec.ClassName}' would generate {Count(size)} characters of C#",
                        $"more than the limit of {Count(Limits.MaxGeneratedCharacters)}",
                        "every distinct weight shape and cell gets kernels of its own; use fewer distinct layer sizes");
                    return Failed();
                }

                // The kernels file adds one member, the Kernels class: its shell is read, not every kernel.
                var (members, duplicates) = GeneratedMembers.Read(spec, cancellationToken, model, ModelEmitter.EmitKernels(plan, body: false));
                if (duplicates.Count > 0)
                {
                    throw new InvalidOperationException("the generated code declares " + duplicates[0] + " twice");
                }

                // A member cannot have its class's name (CS0542).
                if (members.FirstOrDefault(m => m.Name == spec.ClassName) is { } named)
                {
                    Problem(DiagnosticDescriptors.UnsupportedClass.Id, ModelProblem.AtClass, spec.ClassName,
                        $"the generated model has a {KindName(named.Kind)} named '{named.Name}', and a member cannot share its class's name; give the model another name");
                }

                for (int i = 0; i < declaration.UserMembers.Count; i++)
                {
                    var user = declaration.UserMembers[i];
                    if (members.FirstOrDefault(m => m.ClashesWith(user)) is { } generated)
                    {
                        string inherited = user.InheritedFrom is null ? "" : $", inherited from '{user.InheritedFrom}',";
                        string advice = user.InheritedFrom is not null
                            ? $"the generated one would hide it; rename it in '{user.InheritedFrom}', or do not derive the model from '{user.InheritedFrom}'"
                            : user.Kind == generated.Kind && user.IsOverloadable
                                ? "rename it or give it other parameters"
                                : "rename it";
                        Problem(DiagnosticDescriptors.MemberClash.Id, user.InheritedFrom is null ? i : ModelProblem.AtClass,
                            $"The {KindName(user.Kind)} '{user.Display}'{inherited}", $"{KindName(generated.Kind)} '{generated.Display}'", spec.ClassName, advice);
                    }
                }

                return problems.Count > 0 ? Failed() : new GeneratedModel(spec.FullName, model, kernels, EquatableArray<ModelProblem>.Empty);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // A bug must not take the other models down with it: it is this model's error.
                problems.Clear();
                Problem(DiagnosticDescriptors.GeneratorFailure.Id, ModelProblem.AtClass, spec.ClassName, e.GetType().Name, e.Message);
                return Failed();
            }
        }

        /// <summary>The problems of emitted models as diagnostics, at the locations their parse recorded.</summary>
        public static EquatableArray<DiagnosticInfo> Locate(ImmutableArray<GeneratedModel> models, ImmutableArray<ModelLocations> locations)
        {
            var diagnostics = new List<DiagnosticInfo>();
            foreach (var model in models)
            {
                if (model.Problems.Count == 0)
                {
                    continue;
                }

                var at = locations.FirstOrDefault(l => l.FullName == model.FullName);
                foreach (var problem in model.Problems)
                {
                    var location = problem.Member >= 0 && at is not null && problem.Member < at.Members.Count ? at.Members[problem.Member] : at?.Class;
                    diagnostics.Add(new DiagnosticInfo(problem.Id, location, problem.Arguments));
                }
            }

            return new EquatableArray<DiagnosticInfo>(diagnostics);
        }

        private static string KindName(MemberKind kind) => kind switch
        {
            MemberKind.Method => "method",
            MemberKind.Constructor => "constructor",
            MemberKind.StaticConstructor => "static constructor",
            MemberKind.Property => "property",
            MemberKind.Indexer => "indexer",
            MemberKind.Field => "field",
            MemberKind.Event => "event",
            MemberKind.Type => "nested type",
            _ => "explicit interface implementation",
        };

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
