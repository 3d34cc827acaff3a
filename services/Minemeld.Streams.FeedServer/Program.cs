using Minemeld.Streams.FeedServer.Extensions;
using Minemeld.Streams.Hosting.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddMinemeldDefaults();
builder.AddFeedServer();

var app = builder.Build();
app.MapManagementEndpoints();
app.MapFeedServer();
app.Run();
