using System.Text;
using Confluent.Kafka;
using Minemeld.Streams.Core.Collections;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// A message key as UTF-8 in this thread's reused array of that length (<see cref="TransientArrays.ForKey"/>): the
/// producer serializes the key within <c>Produce</c> and librdkafka copies it there, so the array is free again when
/// <c>Produce</c> returns. The same bytes as the client's default UTF-8 serializer, without a new array per message.
/// </summary>
internal sealed class TransientUtf8Serializer : ISerializer<string>
{
    public static readonly TransientUtf8Serializer Instance = new();

    private TransientUtf8Serializer()
    {
    }

    public byte[] Serialize(string data, SerializationContext context)
    {
        if (data is null)
        {
            return null!; // no key, as the default serializer has it
        }

        var bytes = TransientArrays.ForKey(Encoding.UTF8.GetByteCount(data));
        Encoding.UTF8.GetBytes(data, bytes);
        return bytes;
    }
}
