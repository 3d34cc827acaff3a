namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>Something <c>/readyz</c> asks: each problem it returns makes the process not ready (503).</summary>
public interface IReadinessCheck
{
    IEnumerable<string> Problems();
}
