// Keeps a Minemeld.Streams feed in memory from its table topic and looks up every line of standard input in it.
//
//   minemeld run graphs/demo.yml --kafka-listen 127.0.0.1:9092          (in another terminal)
//   dotnet run --project clients/samples/FeedLookup -- 127.0.0.1:9092 demo customerAFeed
//   198.51.100.7-198.51.100.7
//
// Arguments: bootstrap servers, graph name, feed name. Prints the feed's size once it has caught up, then for each
// line read: the indicator's confidence, sources and last_seen, or "not in the feed".
using Minemeld.Streams.Client;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: FeedLookup BOOTSTRAP_SERVERS GRAPH FEED");
    return 2;
}

var (bootstrap, graph, feedName) = (args[0], args[1], args[2]);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var topic = FeedTopics.Table(graph, feedName);
await using var feed = await FeedTable.StartAsync(bootstrap, topic, cancellationToken: stop.Token);
await feed.WaitUntilRunningAsync(stop.Token);
Console.WriteLine($"{topic}: {feed.Snapshot().Count} indicators; type one per line (Ctrl-D ends)");

while (!stop.IsCancellationRequested && Console.ReadLine() is { } line)
{
    var indicator = line.Trim();
    if (indicator.Length == 0)
    {
        continue;
    }

    if (feed.TryGet(indicator, out var hit))
    {
        var value = hit.Value;
        Console.WriteLine($"{indicator}: confidence {value?["confidence"]}, sources {value?["sources"]?.ToJsonString()}, last_seen {value?["last_seen"]}");
    }
    else
    {
        Console.WriteLine($"{indicator}: not in the feed");
    }
}

return 0;
