namespace Minemeld.Streams.Core.Access;

/// <summary>
/// A user from a users file. Exactly one password source: a salted hash, an environment variable to read at
/// start-up, or (demos only) clear text.
/// </summary>
public sealed record FeedUser(string Name, IReadOnlyList<string> Tags, string? PasswordHash, string? PasswordEnvironmentVariable, string? ClearTextPassword);
