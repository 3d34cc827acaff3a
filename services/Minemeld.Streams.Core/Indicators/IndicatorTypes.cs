namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// The indicator types of MineMeld's schema (<c>schema-indicator-0-1.json</c>, docs/minemeld-engine.md, "Indicator
/// types").
/// </summary>
public static class IndicatorTypes
{
    public const string IPv4 = "IPv4";
    public const string IPv6 = "IPv6";
    public const string Domain = "domain";
    public const string Url = "URL";
    public const string Sha512 = "sha512";
    public const string Sha256 = "sha256";
    public const string Sha1 = "sha1";
    public const string Md5 = "md5";
    public const string Ssdeep = "ssdeep";
    public const string Mutex = "mutex";
    public const string WindowsRegistryValue = "windows-registry-value";
    public const string UserAgentFragment = "user-agent.fragment";
    public const string FileName = "file.name";
    public const string ProcessCommandLine = "process.command_line";
    public const string EmailAddress = "email-addr";
    public const string AutonomousSystem = "autonomous-system";

    /// <summary>Every type, in the schema's order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        IPv4, IPv6, Domain, Url, Sha512, Sha256, Sha1, Md5, Ssdeep, Mutex, WindowsRegistryValue,
        UserAgentFragment, FileName, ProcessCommandLine, EmailAddress, AutonomousSystem,
    ];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string? type) => type is not null && Known.Contains(type);
}
