using Minemeld.Streams.Core.Access;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// The users file as loaded at start-up (null: there is none, so feed auth is off as MineMeld's default).
/// </summary>
public sealed record UsersFile(AccessConfig? Config);
