using System.Text;

namespace Minemeld.Streams.Hosting.State;

/// <summary>For the callers that hold a record's value as text (a command word, a small JSON document).</summary>
public static class RecordText
{
    /// <summary>A record of <paramref name="key"/> whose value is <paramref name="text"/> in UTF-8.</summary>
    public static KeyValuePair<string, ReadOnlyMemory<byte>> Entry(string key, string text) =>
        KeyValuePair.Create(key, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(text));

    /// <summary>A record's value as text.</summary>
    public static string Of(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    /// <summary>A value from <see cref="IRecordStore.GetAsync"/> as text; null where there is no record.</summary>
    public static string? Of(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);
}
