using System;
using System.Text;

namespace RnnGen.Generator.Emission;

/// <summary>
/// A minimal indented text writer for generated C#. Lines end in '\n' on every platform so the
/// output is byte-for-byte deterministic.
/// </summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
        }

        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/> then "{", indents, and closes with "}" when disposed.</summary>
    public Block Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Block(this, "}");
    }

    /// <summary>Writes <paramref name="header"/> then "{", indents, and closes with "};" when disposed: a switch expression's statement.</summary>
    public Block OpenExpression(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Block(this, "};");
    }

    /// <summary>Opens a bare "{ }" scope.</summary>
    public Block Scope()
    {
        Line("{");
        _indent++;
        return new Block(this, "}");
    }

    public override string ToString() => _builder.ToString();

    /// <summary>Closes a block on dispose.</summary>
    public readonly struct Block : IDisposable
    {
        private readonly IndentedWriter _writer;
        private readonly string _close;

        public Block(IndentedWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line(_close);
        }
    }
}
