namespace Minemeld.Streams.FeedServer.Access;

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Invalid,
    Valid,

    /// <summary>Right password, legacy or weaker hash: store a fresh PBKDF2 hash.</summary>
    ValidNeedsRehash,
}
