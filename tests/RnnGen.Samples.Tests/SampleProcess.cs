using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace RnnGen.Samples.Tests;

/// <summary>Runs a sample's built program as a user does: its own process, from its output directory.</summary>
internal static class SampleProcess
{
    /// <summary>
    /// Runs <paramref name="sample"/> to completion and returns its exit code and everything it wrote
    /// (standard output and error, in order), or kills it after <paramref name="killAfter"/> (exit code −1).
    /// </summary>
    public static (int ExitCode, string Output) Run(string sample, IEnumerable<string> arguments, TimeSpan? killAfter = null)
    {
        string dll = Path.Combine(RepositoryRoot(), "samples", sample, "bin", "Release", "net10.0", sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var text = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (killAfter is { } delay && !process.WaitForExit(delay))
        {
            process.Kill(); // SIGKILL on Unix: no finally blocks, no flushing
            process.WaitForExit();
            return (-1, "");
        }

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{sample} did not finish");
        process.WaitForExit();
        lock (text)
        {
            return (process.ExitCode, text.ToString());
        }
    }

    /// <summary>Writes the first <paramref name="count"/> lines of Seq2Seq's shipped dictionary to <paramref name="path"/> and returns the path.</summary>
    public static string DictionaryLines(string path, int count)
    {
        using var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(RepositoryRoot(), "samples", "Seq2Seq", "data", "cmudict-sample.txt.gz")), System.IO.Compression.CompressionMode.Decompress));
        var lines = new List<string>();
        for (string? line = reader.ReadLine(); line is not null && lines.Count < count; line = reader.ReadLine())
        {
            lines.Add(line);
        }

        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>The checkout's root: the first directory above the tests' output that holds RnnGen.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RnnGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (RnnGen.sln) was not found above " + AppContext.BaseDirectory);
    }
}
