package dev.inlet.localruntime;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** The local runtime's command-line options, with their environment-variable defaults. */
record CommandLine(boolean help, LocalRuntime.Options options) {

    static final int DEFAULT_PORT = 3000;

    static final String USAGE = """
            Usage: LocalRuntime [--port N] [--data-dir DIR] [--dynamodb-endpoint URL] [--inject-dynamodb-faults RATE] [--help]

            Serves the whole Inlet API from template.yaml on http://127.0.0.1:N, with DynamoDB Local on loopback, and
            feeds each DynamoDB stream event source's function from its table's stream, as Lambda would.

              --port N                  HTTP port on 127.0.0.1 (default: env PORT, else 3000; 0 picks a free one)
              --data-dir DIR            keep DynamoDB data, generated secrets and stream checkpoints in DIR (default:
                                        env INLET_DATA_DIR; neither set: everything in memory, gone at exit)
              --dynamodb-endpoint URL   use this DynamoDB (e.g. LocalStack's) instead of starting DynamoDB Local
              --inject-dynamodb-faults RATE
                                        soak tests only: each DynamoDB call of IngestFunction on the events, write-keys
                                        and rate-limit tables fails with probability RATE (0 to 1: throttling, 500s,
                                        timeouts, unprocessed batch items; default: env INLET_INJECT_DYNAMODB_FAULTS,
                                        else 0 = off)
              --help                    this text

            Secrets (PEPPER, ADMIN_TOKEN): from the environment variable of that name, else DIR/local-secrets.properties,
            else generated (and saved there when a data directory is used).
            """;

    static CommandLine parse(String[] args, Map<String, String> environment) {
        LocalRuntime.Options options = LocalRuntime.Options.defaults().withEnvironment(environment)
                .withPort(port(environment.getOrDefault("PORT", String.valueOf(DEFAULT_PORT)), "PORT"));
        String dataDir = environment.get("INLET_DATA_DIR");
        if (dataDir != null && !dataDir.isBlank()) {
            options = options.withDataDir(Path.of(dataDir));
        }
        String faultRate = environment.get("INLET_INJECT_DYNAMODB_FAULTS");
        if (faultRate != null && !faultRate.isBlank()) {
            options = options.withDynamoDbFaultRate(rate(faultRate, "INLET_INJECT_DYNAMODB_FAULTS"));
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.equals("--help") || name.equals("-h")) {
                return new CommandLine(true, options);
            }
            String value;
            if (arg.contains("=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            options = switch (name) {
                case "--port" -> options.withPort(port(value, name));
                case "--data-dir" -> options.withDataDir(Path.of(value));
                case "--dynamodb-endpoint" -> options.withDynamoDbEndpoint(endpoint(value));
                case "--inject-dynamodb-faults" -> options.withDynamoDbFaultRate(rate(value, name));
                default -> throw new IllegalArgumentException("unknown option " + name);
            };
        }
        return new CommandLine(false, options);
    }

    private static int port(String value, String source) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(source + ": not a port number: " + value);
    }

    private static double rate(String value, String source) {
        try {
            double rate = Double.parseDouble(value.trim());
            if (rate >= 0 && rate <= 1) {
                return rate;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(source + ": not a probability from 0 to 1: " + value);
    }

    private static URI endpoint(String value) {
        URI uri = URI.create(value);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--dynamodb-endpoint: expected an http(s) URL, got " + value);
        }
        return uri;
    }
}
