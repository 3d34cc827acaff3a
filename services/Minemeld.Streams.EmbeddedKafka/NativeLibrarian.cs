using System.Reflection;
using System.Runtime.InteropServices;

namespace Minemeld.Streams.EmbeddedKafka;

/// <summary>
/// Binds the mock-cluster P/Invoke to the very librdkafka file Confluent.Kafka loaded, so one copy of librdkafka
/// serves the broker and the clients. On Debian the package's default <c>librdkafka.so</c> needs
/// <c>libsasl2.so.3</c>, which Debian lacks, and Confluent.Kafka falls back to <c>centos8-librdkafka.so</c> by
/// itself; which file it chose is read from the process's memory map after forcing the load.
/// </summary>
internal static class NativeLibrarian
{
    private static readonly Lazy<string> Chosen = new(Choose);

    public static string Path => Chosen.Value;

    public static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibrarian).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == MockClusterNative.Library ? NativeLibrary.Load(Path) : IntPtr.Zero;

    private static string Choose()
    {
        // Forces Confluent.Kafka to load librdkafka (and pick the variant that works on this system).
        _ = Confluent.Kafka.Library.Version;
        const string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            var loaded = File.ReadLines(maps)
                .Select(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(static fields => fields.Length >= 6)
                .Select(static fields => string.Join(' ', fields[5..]))
                .FirstOrDefault(static file => System.IO.Path.GetFileName(file).EndsWith("librdkafka.so", StringComparison.Ordinal));
            if (loaded is not null)
            {
                return loaded;
            }
        }

        throw new DllNotFoundException("Confluent.Kafka loaded no librdkafka.so that this process can see in /proc/self/maps");
    }
}
