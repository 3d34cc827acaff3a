using Minemeld.Streams.Hosting.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddMinemeldDefaults();
builder.Services.AddGraphRuntime(roles: "miner");

var app = builder.Build();
app.MapManagementEndpoints();
app.Run();
