namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// What parsing a feed document found wrong: counts, and the first few samples with their line numbers (for one
/// log line per poll, never one per indicator).
/// </summary>
public sealed class FeedParseReport
{
    public const int MaxSamples = 5;

    public int Items { get; private set; }

    public int Errors { get; private set; }

    public int Warnings { get; private set; }

    public List<string> ErrorSamples { get; } = [];

    public List<string> WarningSamples { get; } = [];

    /// <summary>
    /// Why the document as a whole could not be read (not JSON, not XML, the extractor failed), or null. Such a poll
    /// failed: the miner keeps what it had instead of withdrawing every indicator a broken document did not list.
    /// </summary>
    public string? Failure { get; private set; }

    public void Item() => Items++;

    /// <summary>The document cannot be read at all: an error, and the poll fails.</summary>
    public void Fail(int line, string message)
    {
        Error(line, message);
        Failure ??= line > 0 ? $"line {line}: {message}" : message;
    }

    public void Error(int line, string message)
    {
        Errors++;
        if (ErrorSamples.Count < MaxSamples)
        {
            ErrorSamples.Add(line > 0 ? $"line {line}: {message}" : message);
        }
    }

    public void Warning(int line, string message)
    {
        Warnings++;
        if (WarningSamples.Count < MaxSamples)
        {
            WarningSamples.Add(line > 0 ? $"line {line}: {message}" : message);
        }
    }
}
