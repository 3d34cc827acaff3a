using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// A new row's value: the one place that writes it (docs/minemeld-engine.md, "Miners: the per-poll diff"). The rest of
/// the poller (the table, the diff, the age-out) is in Poller.cs.
/// </summary>
public sealed partial class Poller
{
    private byte[][]? _settingsNamesUtf8;

    /// <summary>
    /// A new row's value, written as UTF-8 JSON: the one definition of it. The node's attributes in their order, then
    /// <c>sources</c>, <c>first_seen</c> and <c>last_seen</c>, then the item's other attributes in theirs; a name given
    /// again keeps its first place and takes the later value, as MineMeld assigns them one by one onto a copy of the
    /// node's attributes: the item's own value wins over the bookkeeping's (<c>sources</c> = this node,
    /// <c>first_seen</c> = <c>last_seen</c> = now), which wins over the node's. Values are copied as they are (an
    /// item's bytes as written, a tree's nodes written). <paramref name="hasPrivate"/>: a private name (<c>_</c>,
    /// <c>$</c>) was written, which the published value must lose; the times are the written <c>first_seen</c> and
    /// <c>last_seen</c> as the age-out reads them (0 when not an integer).
    /// </summary>
    private byte[] NewValue(long now, in PollItem item, out bool hasPrivate, out long firstSeen, out long lastSeen)
    {
        Span<Utf8Property> properties = stackalloc Utf8Property[Utf8JsonObject.MaxCheckedNames];
        var attributes = ItemAttributes.Of(item, properties);
        var names = SettingsNamesUtf8;
        var writer = JsonText.Begin();
        writer.WriteStartObject();
        hasPrivate = false;
        (firstSeen, lastSeen) = (now, now);
        for (var i = 0; i < Settings.Attributes.Count; i++)
        {
            var (name, node) = Settings.Attributes.GetAt(i);
            writer.WritePropertyName(names[i]);
            hasPrivate |= IndicatorValue.IsPrivate(name);
            if (!WriteBookkeeping(writer, attributes, names[i], now, ref firstSeen, ref lastSeen))
            {
                var own = attributes.IndexOf(names[i]);
                if (own >= 0)
                {
                    attributes.WriteValue(own, writer);
                }
                else
                {
                    WriteNode(writer, node);
                }
            }
        }

        foreach (var name in BookkeepingNamesUtf8)
        {
            if (!IsAmong(name, names))
            {
                writer.WritePropertyName(name);
                WriteBookkeeping(writer, attributes, name, now, ref firstSeen, ref lastSeen);
            }
        }

        for (var i = 0; i < attributes.Count; i++)
        {
            var name = attributes.Name(i);
            if (!IsAmong(name, names) && !IsAmong(name, BookkeepingNamesUtf8))
            {
                writer.WritePropertyName(name);
                attributes.WriteValue(i, writer);
                hasPrivate |= IndicatorValue.IsPrivate(name);
            }
        }

        writer.WriteEndObject();
        return JsonText.EndSharing(ref _lastValue);
    }

    /// <summary>
    /// Writes a bookkeeping attribute's value, the item's own when it has one (and reads it as a time for the
    /// age-out); false when <paramref name="name"/> is not one.
    /// </summary>
    private bool WriteBookkeeping(Utf8JsonWriter writer, in ItemAttributes attributes, ReadOnlySpan<byte> name, long now, ref long firstSeen, ref long lastSeen)
    {
        var isFirst = name.SequenceEqual("first_seen"u8);
        var isLast = !isFirst && name.SequenceEqual("last_seen"u8);
        if (!isFirst && !isLast && !name.SequenceEqual("sources"u8))
        {
            return false;
        }

        var own = attributes.IndexOf(name);
        if (own >= 0)
        {
            attributes.WriteValue(own, writer);
            if (isFirst || isLast)
            {
                var time = JsonNodeValues.TryGetInt64(attributes.Node(own), out var t) ? t : 0;
                (firstSeen, lastSeen) = isFirst ? (time, lastSeen) : (firstSeen, time);
            }
        }
        else if (isFirst || isLast)
        {
            writer.WriteNumberValue(now);
        }
        else
        {
            WriteSources(writer);
        }

        return true;
    }

    private static readonly byte[][] BookkeepingNamesUtf8 = ["sources"u8.ToArray(), "first_seen"u8.ToArray(), "last_seen"u8.ToArray()];

    /// <summary>
    /// An item's attributes as <see cref="NewValue"/> reads them: the ranges of its bytes when they are one object of
    /// distinct, unescaped names (the common case: nothing is built), or else the entries of its tree (a tree item's
    /// own, or the bytes parsed, which settles escaped and repeated names).
    /// </summary>
    private readonly ref struct ItemAttributes
    {
        private readonly ReadOnlySpan<byte> _utf8;
        private readonly ReadOnlySpan<Utf8Property> _properties;
        private readonly JsonObject? _tree;
        private readonly byte[][]? _treeNames;

        private ItemAttributes(ReadOnlySpan<byte> utf8, ReadOnlySpan<Utf8Property> properties, JsonObject? tree)
        {
            _utf8 = utf8;
            _properties = properties;
            _tree = tree;
            _treeNames = tree is null ? null : [.. tree.Select(static p => Encoding.UTF8.GetBytes(p.Key))];
        }

        public static ItemAttributes Of(in PollItem item, Span<Utf8Property> room)
        {
            if (!item.Attributes.HasTree)
            {
                var utf8 = item.Attributes.Utf8.Span;
                if (Utf8JsonObject.TryReadProperties(utf8, room, out var count))
                {
                    return new ItemAttributes(utf8, room[..count], null);
                }
            }

            return new ItemAttributes(default, default, item.Tree());
        }

        public int Count => _tree?.Count ?? _properties.Length;

        public ReadOnlySpan<byte> Name(int i) => _tree is null ? _utf8[_properties[i].Name] : _treeNames![i];

        public int IndexOf(ReadOnlySpan<byte> name)
        {
            for (var i = 0; i < Count; i++)
            {
                if (Name(i).SequenceEqual(name))
                {
                    return i;
                }
            }

            return -1;
        }

        public void WriteValue(int i, Utf8JsonWriter writer)
        {
            if (_tree is null)
            {
                writer.WriteRawValue(_utf8[_properties[i].Value], skipInputValidation: true);
            }
            else
            {
                WriteNode(writer, _tree.GetAt(i).Value);
            }
        }

        /// <summary>The value as a node (read from the bytes when they are the item's): for the rare value read whole.</summary>
        public JsonNode? Node(int i)
        {
            if (_tree is not null)
            {
                return _tree.GetAt(i).Value;
            }

            var reader = new Utf8JsonReader(_utf8[_properties[i].Value]);
            reader.Read();
            return JsonObjectReader.ReadValue(ref reader);
        }
    }

    /// <summary>The node's attribute names as UTF-8, in their order (made once).</summary>
    private byte[][] SettingsNamesUtf8 => _settingsNamesUtf8 ??= [.. Settings.Attributes.Select(static p => Encoding.UTF8.GetBytes(p.Key))];

    private static bool IsAmong(ReadOnlySpan<byte> name, byte[][] names)
    {
        foreach (var candidate in names)
        {
            if (name.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private void WriteSources(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(Settings.SourceName);
        writer.WriteEndArray();
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }
}
