using Minemeld.Streams.IntegrationTests.Fixtures;

[assembly: AssemblyFixture(typeof(KafkaFixture))]
[assembly: AssemblyFixture(typeof(RedisFixture))]
