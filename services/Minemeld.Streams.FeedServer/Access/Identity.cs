namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Who sent a request. <see cref="BadCredentials"/>: credentials were sent and did not verify (a 401, never anonymous).
/// </summary>
public sealed record Identity(IdentityKind Kind, string Name, IReadOnlyList<string> Tags)
{
    public static readonly Identity Anonymous = new(IdentityKind.Anonymous, "mm-anonymous", []);

    public static readonly Identity BadCredentials = new(IdentityKind.Rejected, string.Empty, []);

    /// <summary>
    /// MineMeld's id form: <c>admin/&lt;name&gt;</c>, <c>feeds/&lt;name&gt;</c>, <c>mm-anonymous</c>.
    /// </summary>
    public string Id => Kind switch
    {
        IdentityKind.Admin => $"admin/{Name}",
        IdentityKind.FeedUser => $"feeds/{Name}",
        _ => Name,
    };
}
