using System;

namespace RnnGen.Cells
{
    /// <summary>
    /// Marks a class whose <c>Step</c> method defines a recurrent cell, used by models through
    /// <see cref="CellAttribute"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The class declares one method
    /// <c>public static void Step(Units x, ref Units h, …, CellParameters p)</c>: the layer's input
    /// x_t, then one <c>ref Units</c> per state vector (the first is the layer's output), then the
    /// learned parameters. Its body is a sequence of assignments: locals of type <see cref="Units"/>
    /// (or numeric constants) and the new value of every state, built from <c>+</c>, <c>-</c>,
    /// <c>*</c>, division by a number, unary minus, the <see cref="CellMath"/> functions and
    /// <see cref="CellParameters.Linear"/>, <see cref="CellParameters.Bias"/> and
    /// <see cref="CellParameters.Vector"/>. The generator reads it as equations, derives the backward
    /// pass, and emits SIMD kernels for each model's sizes; anything else (a loop, a branch, a call to
    /// another method, a field) is a diagnostic at its location.
    /// </para>
    /// <para>
    /// The class must be declared in the project that uses it (the generator reads its source).
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class RecurrentCellAttribute : Attribute
    {
    }
}
