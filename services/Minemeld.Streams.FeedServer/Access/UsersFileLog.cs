
namespace Minemeld.Streams.FeedServer.Access;

/// <summary>Log lines about the users file.</summary>
internal static partial class UsersFileLog
{
    [LoggerMessage(EventId = 740, Level = LogLevel.Warning, Message = "No users file at {Path}: feed authentication is OFF (MineMeld's default) and no admin can use the admin API")]
    public static partial void Missing(ILogger logger, string path);

    [LoggerMessage(EventId = 741, Level = LogLevel.Warning, Message = "Users file: {Warning}")]
    public static partial void Warning(ILogger logger, string warning);
}
