using System;
using System.Collections.Generic;

namespace CharRnn;

/// <summary>
/// Simple properties of each character of a text, which some units of a trained character model come to
/// track (Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding Recurrent Networks", 2016): the
/// position in the line, being inside quotes or a comment, and the indentation of the line.
/// </summary>
internal static class CellFeatures
{
    /// <summary>Each feature's name and its value at every character of <paramref name="text"/>.</summary>
    public static IReadOnlyList<(string Name, double[] Values)> Of(string text)
    {
        int n = text.Length;
        double[] position = new double[n], quote = new double[n], comment = new double[n], indent = new double[n];
        int column = 0, depth = 0;
        bool inQuote = false, inLineComment = false, inBlockComment = false, leading = true;
        for (int i = 0; i < n; i++)
        {
            char c = text[i];
            if (c == '\n')
            {
                column = 0;
                depth = 0;
                leading = true;
                inQuote = false;
                inLineComment = false;
            }
            else
            {
                column++;
                if (leading && c == ' ')
                {
                    depth++;
                }
                else if (leading && c == '\t')
                {
                    depth += 4;
                }
                else
                {
                    leading = false;
                }
            }

            // A comment starts at "//" or "/*" outside quotes; a block comment ends after "*/".
            if (!inQuote && !inLineComment && !inBlockComment && c == '/' && i + 1 < n && (text[i + 1] == '/' || text[i + 1] == '*'))
            {
                inLineComment = text[i + 1] == '/';
                inBlockComment = text[i + 1] == '*';
            }

            if (!inLineComment && !inBlockComment && c == '"')
            {
                inQuote = !inQuote;
            }

            position[i] = column;
            quote[i] = inQuote || c == '"' ? 1 : 0;
            comment[i] = inLineComment || inBlockComment ? 1 : 0;
            indent[i] = depth;
            if (inBlockComment && c == '/' && i > 0 && text[i - 1] == '*')
            {
                inBlockComment = false;
            }
        }

        return [("position in the line", position), ("inside quotes", quote), ("inside a comment", comment), ("indentation of the line", indent)];
    }

    /// <summary>Pearson's correlation of two series of the same length; 0 when either is constant.</summary>
    public static double Correlation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double meanA = 0, meanB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= a.Length;
        meanB /= a.Length;
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double da = a[i] - meanA, db = b[i] - meanB;
            ab += da * db;
            aa += da * da;
            bb += db * db;
        }

        return aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;
    }
}
