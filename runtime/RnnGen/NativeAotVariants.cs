using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace RnnGen;

/// <summary>
/// Runs a NativeAOT app on the widest vector instructions its processor has.
/// </summary>
/// <remarks>
/// <para>
/// NativeAOT compiles every method once, for one instruction set chosen at publish time, and by
/// default that is the oldest x64 processor's: the generated kernels then run 128-bit vectors even
/// where the processor has AVX2 or AVX-512. When an x64 Linux app that references RnnGen is
/// published with <c>PublishAot</c> and no <c>IlcInstructionSet</c> of its own, RnnGen's build
/// targets publish it twice more, for <c>x86-64-v3</c> (AVX2, FMA) and <c>x86-64-v4</c> (AVX-512),
/// beside the app as <c>App.x86-64-v3</c> and <c>App.x86-64-v4</c>. At start-up, before <c>Main</c>,
/// the app replaces itself (<c>execv</c>: same process, arguments, environment and open files) with
/// the widest of them the processor and the operating system support, so it runs the same code as
/// the JIT would pick on that machine, with the same results.
/// </para>
/// <para>
/// The environment variable <c>RNNGEN_AOT_VARIANT</c> overrides the choice: <c>none</c> keeps the
/// baseline binary, and a variant's name (<c>x86-64-v3</c>) runs that one whatever the processor
/// says. The MSBuild property <c>RnnGenAotVariants</c> sets the variants a publish makes (empty for
/// none). A variant that is missing or cannot be started leaves the app running its baseline binary.
/// </para>
/// </remarks>
public static class NativeAotVariants
{
    /// <summary>The runtime configuration key under which the build lists the variants published beside the app.</summary>
    public const string ConfigurationKey = "RnnGen.NativeAotVariants";

    /// <summary>The environment variable that overrides the choice of variant.</summary>
    public const string EnvironmentVariable = "RNNGEN_AOT_VARIANT";

    /// <summary>
    /// The variant this process runs, as the build named it (<c>"x86-64-v4"</c>), or
    /// <see langword="null"/> for the baseline binary or an app without variants.
    /// </summary>
    public static string? Current => AppContext.GetData("RnnGen.NativeAotVariant") as string;

    /// <summary>
    /// The variant the processor this process runs on can execute, among <paramref name="published"/>
    /// (widest first, as the build lists them), or <see langword="null"/> when it can run none.
    /// </summary>
    /// <param name="published">Variant names, such as <c>x86-64-v4</c> and <c>x86-64-v3</c>.</param>
    public static string? Widest(ReadOnlySpan<string> published)
    {
        foreach (string name in published)
        {
            if (Supports(name))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether this processor and operating system can run code compiled for the x64 level
    /// <paramref name="level"/> (<c>x86-64-v2</c>, <c>x86-64-v3</c> or <c>x86-64-v4</c>): the
    /// instructions the level needs, from CPUID, and, on Linux, the kernel's own list of what it
    /// enabled (the vector registers' state must be saved by the kernel, which CPUID does not say).
    /// </summary>
    /// <param name="level">An x64 microarchitecture level; any other name is not supported.</param>
    public static bool Supports(string level)
    {
        if (!X86Base.IsSupported)
        {
            return false;
        }

        var (_, _, ecx1, _) = X86Base.CpuId(1, 0);
        var (_, ebx7, _, _) = X86Base.CpuId(7, 0);
        var (_, _, ecx81, _) = X86Base.CpuId(unchecked((int)0x80000001), 0);
        static bool Bit(int register, int bit) => ((register >> bit) & 1) != 0;

        // x86-64-v2: SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT (and CMPXCHG16B, LAHF).
        bool v2 = Bit(ecx1, 0) && Bit(ecx1, 9) && Bit(ecx1, 19) && Bit(ecx1, 20) && Bit(ecx1, 23) && Bit(ecx1, 13) && Bit(ecx81, 0);

        // x86-64-v3: AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, with the OS saving AVX state (OSXSAVE).
        bool v3 = v2 && Bit(ecx1, 28) && Bit(ecx1, 27) && Bit(ebx7, 5) && Bit(ebx7, 3) && Bit(ebx7, 8) && Bit(ecx1, 29)
            && Bit(ecx1, 12) && Bit(ecx81, 5) && Bit(ecx1, 22);

        // x86-64-v4: AVX-512 F, BW, CD, DQ and VL.
        bool v4 = v3 && Bit(ebx7, 16) && Bit(ebx7, 30) && Bit(ebx7, 28) && Bit(ebx7, 17) && Bit(ebx7, 31);

        return level switch
        {
            "x86-64-v2" => v2,
            "x86-64-v3" => v3 && KernelEnabled("avx2"),
            "x86-64-v4" => v4 && KernelEnabled("avx2") && KernelEnabled("avx512f"),
            _ => false,
        };
    }

    /// <summary>
    /// On Linux, whether the kernel lists <paramref name="flag"/> among the processor's flags (it drops
    /// the AVX flags when it does not save their registers); elsewhere, or without /proc, <see langword="true"/>.
    /// </summary>
    private static bool KernelEnabled(string flag) => s_kernelFlags.Value is not { } flags || Array.IndexOf(flags, flag) >= 0;

    /// <summary>The first "flags" line of /proc/cpuinfo, read once; <see langword="null"/> off Linux or when it cannot be read.</summary>
    private static readonly Lazy<string[]?> s_kernelFlags = new(() =>
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal) && line.IndexOf(':') is int colon and >= 0)
                {
                    return line.Substring(colon + 1).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    });

    /// <summary>Hands the process over to the widest variant published beside it, if any (see the remarks of <see cref="NativeAotVariants"/>).</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The hand-over must happen before the app has done anything, or the app would run its start twice; it does nothing unless the build published variants of a NativeAOT app.")]
    internal static void HandOver()
    {
        if (RuntimeFeature.IsDynamicCodeSupported || !OperatingSystem.IsLinux()
            || AppContext.GetData(ConfigurationKey) is not string list || list.Length == 0)
        {
            return;
        }

        try
        {
            string? choice = Environment.GetEnvironmentVariable(EnvironmentVariable);
            string[] published = list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string? variant = choice switch
            {
                "none" => null,
                null or "" => Widest(published),
                _ => Array.IndexOf(published, choice) >= 0 ? choice : null,
            };
            if (variant is null || Environment.ProcessPath is not { } self)
            {
                return;
            }

            string path = self + "." + variant;
            if (File.Exists(path))
            {
                Exec(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The baseline binary runs the app correctly, only slower.
        }
    }

    /// <summary>Replaces this process with <paramref name="path"/>, passing this process's arguments exactly as they were given (from /proc/self/cmdline); returns only if that fails.</summary>
    private static unsafe void Exec(string path)
    {
        byte[] commandLine = File.ReadAllBytes("/proc/self/cmdline");
        int count = 0;
        foreach (byte b in commandLine)
        {
            count += b == 0 ? 1 : 0;
        }

        byte[] file = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, file);
        byte*[] pointers = new byte*[count + 1];
        fixed (byte* arguments = commandLine)
        fixed (byte* filePointer = file)
        fixed (byte** argv = pointers)
        {
            int start = 0;
            for (int i = 0, n = 0; i < commandLine.Length && n < count; i++)
            {
                if (commandLine[i] == 0)
                {
                    argv[n++] = arguments + start;
                    start = i + 1;
                }
            }

            argv[count] = null;
            _ = execv(filePointer, argv);
        }
    }

    [DllImport("libc", EntryPoint = "execv")]
    private static extern unsafe int execv(byte* path, byte** argv);
}
