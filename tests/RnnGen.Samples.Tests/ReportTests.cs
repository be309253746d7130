using System;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Samples.Tests;

/// <summary>
/// CharRnn's report as a user gets it: one self-contained page (nothing fetched, no script) that is also
/// well-formed XML, with the loss curves of the run, the four interpretable-cell panels and one saturation
/// chart per gate and layer.
/// </summary>
public sealed class ReportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void CharRnnReport_IsOneSelfContainedPage_WithItsCurvesCellsAndGates()
    {
        string report = Path.Combine(_directory, "report.html");
        var (exitCode, text) = SampleProcess.Run("CharRnn",
        [
            "--steps", "30", "--log-every", "10", "--threads", "1", "--length", "0",
            "--out", Path.Combine(_directory, "charrnn.safetensors"), "--report", report,
        ]);
        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        string html = File.ReadAllText(report);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);

        // Well-formed, and nothing to fetch or run: no script, no link, no src or href, no url() in styles.
        var page = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        var all = page.Descendants().ToList();
        Assert.DoesNotContain(all, e => e.Name.LocalName is "script" or "link" or "iframe" or "img" or "object");
        Assert.DoesNotContain(all.SelectMany(e => e.Attributes()), a => a.Name.LocalName is "src" or "href");
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.Equal(["http://www.w3.org/2000/svg"], all.SelectMany(e => e.Attributes()).Where(a => a.IsNamespaceDeclaration).Select(a => a.Value).Distinct());

        XElement Section(string id) => all.Single(e => e.Name.LocalName == "section" && (string?)e.Attribute("id") == id);

        // The loss: one point per log line (steps 10, 20, 30), for training and for validation.
        var lines = Section("loss").Descendants().Where(e => e.Name.LocalName == "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(3, ((string)l.Attribute("points")!).Split(' ').Length));

        // Four features, each with its unit's correlation and the first 700 characters coloured one by one.
        var cells = Section("cells");
        var headings = cells.Elements().Where(e => e.Name.LocalName == "h3").Select(e => e.Value).ToList();
        Assert.Equal(4, headings.Count);
        Assert.All(headings, h => Assert.Matches(@"^[a-z ]+: layer [01], unit \d+ of (c|h), r = [+−]\d\.\d\d$", h));
        Assert.All(cells.Elements().Where(e => e.Name.LocalName == "pre"), pre => Assert.InRange(pre.Elements().Count(), 500, 700));

        // LSTM 128 ×2: the sigmoid gates i, f and o of each layer, one dot per unit.
        var charts = Section("saturation").Descendants().Where(e => e.Name.LocalName == "svg").ToList();
        Assert.Equal(6, charts.Count);
        Assert.All(charts, c => Assert.Equal(128, c.Elements().Count(e => e.Name.LocalName == "circle")));
        Assert.Equal(["i", "f", "o", "i", "f", "o"], charts.Select(c => c.Elements().First(e => e.Name.LocalName == "text").Value));
    }

    /// <summary>The classifier's page: twelve held-out sentences, every word shaded by P(positive), and a verdict per sentence.</summary>
    [Fact]
    public void ClassifierReport_ShadesEveryWordOfTwelveSentences()
    {
        string report = Path.Combine(_directory, "classifier.html");
        var (exitCode, text) = SampleProcess.Run("Classifier", ["--epochs", "1", "--report", report]);
        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        var all = SelfContained(report);
        var sentences = all.Where(e => e.Name.LocalName == "p" && (string?)e.Attribute("class") == "sentence").ToList();
        Assert.Equal(12, sentences.Count);
        foreach (var sentence in sentences)
        {
            var words = sentence.Elements().Where(e => e.Name.LocalName == "span").ToList();
            Assert.NotEmpty(words);
            Assert.All(words, w => Assert.Matches(@"^P\(positive\) = [01]\.\d{3}$", (string)w.Attribute("title")!));
            Assert.Matches("^→ (positive|negative) \\(\\d+ %\\); the label is (positive|negative)$", sentence.Elements().Single(e => e.Name.LocalName == "em").Value);
        }
    }

    /// <summary>The tagger's page: twelve held-out sentences, every word with a tag and its probability.</summary>
    [Fact]
    public void PosTaggerReport_TagsEveryWordOfTwelveSentences()
    {
        string report = Path.Combine(_directory, "tagger.html");
        var (exitCode, text) = SampleProcess.Run("PosTagger", ["--epochs", "1", "--report", report]);
        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        var all = SelfContained(report);
        var sentences = all.Where(e => e.Name.LocalName == "div" && (string?)e.Attribute("class") == "sentence").ToList();
        Assert.Equal(12, sentences.Count);
        var words = sentences.SelectMany(s => s.Elements()).ToList();
        Assert.All(words, w => Assert.Matches(@"^P = [01]\.\d{3}$", (string)w.Attribute("title")!));
        Assert.All(words, w => Assert.Matches(@"^[A-Z]+( \(not [A-Z]+\))?$", w.Elements().Single().Value));
    }

    /// <summary>The page's elements, once it has been checked to be well-formed and to fetch and run nothing.</summary>
    private static System.Collections.Generic.List<XElement> SelfContained(string path)
    {
        string html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        var page = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        var all = page.Descendants().ToList();
        Assert.DoesNotContain(all, e => e.Name.LocalName is "script" or "link" or "iframe" or "img" or "object");
        Assert.DoesNotContain(all.SelectMany(e => e.Attributes()), a => a.Name.LocalName is "src" or "href");
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        return all;
    }

    /// <summary>Seq2Seq's attention maps: eight held-out words, one cell per letter and phoneme, each row of weights summing to 1.</summary>
    [Fact]
    public void Seq2SeqReport_MapsTheAttentionOfEightWords()
    {
        // 1,300 words of the shipped dictionary: 1,100 to train on, 100 watched, 100 tested; one epoch.
        string data = SampleProcess.DictionaryLines(Path.Combine(_directory, "words.txt"), 1400);
        string report = Path.Combine(_directory, "attention.html");
        var (exitCode, text) = SampleProcess.Run("Seq2Seq", ["--data", data, "--epochs", "1", "--threads", "1", "--test", "100", "--watch", "100", "--beam", "2", "--report", report]);
        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        string html = File.ReadAllText(report);
        var page = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        var all = page.Descendants().ToList();
        Assert.DoesNotContain(all, e => e.Name.LocalName is "script" or "link" or "iframe" or "img" or "object");
        Assert.DoesNotContain(all.SelectMany(e => e.Attributes()), a => a.Name.LocalName is "src" or "href");

        var maps = all.Where(e => e.Name.LocalName == "svg").ToList();
        Assert.Equal(8, maps.Count);
        foreach (var map in maps)
        {
            // The word across the top, a label per letter and per phoneme; the last phoneme row is the end marker.
            var labels = map.Elements().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
            string word = labels[0];
            var rects = map.Elements().Where(e => e.Name.LocalName == "rect").ToList();
            Assert.Equal(0, rects.Count % word.Length);
            int rows = rects.Count / word.Length;
            Assert.Equal("·", labels[^1]);
            Assert.Equal(1 + word.Length + rows, labels.Count);
            for (int i = 0; i < rows; i++)
            {
                double sum = rects.Skip(i * word.Length).Take(word.Length).Sum(r =>
                {
                    string fill = (string)r.Attribute("fill")!;
                    return double.Parse(fill[(fill.LastIndexOf(',') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
                });
                Assert.InRange(sum, 0.99, 1.01);
            }
        }
    }
}
