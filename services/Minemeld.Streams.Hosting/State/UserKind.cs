namespace Minemeld.Streams.Hosting.State;

/// <summary>MineMeld's two user stores: <c>feeds</c> (read feeds) and <c>api</c> (admins).</summary>
public enum UserKind
{
    Feeds,
    Api,
}
