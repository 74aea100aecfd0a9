package dev.inlet.localaws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbLocalServerTest {

    @Test
    void listensOnLoopbackOnly() throws IOException {
        List<InetAddress> otherAddresses = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> !address.isLoopbackAddress() && !address.isLinkLocalAddress())
                .toList();
        Assumptions.assumeFalse(otherAddresses.isEmpty(), "no non-loopback address to probe");

        DynamoDbLocalServer server = DynamoDbLocal.sharedServer();
        assertEquals("127.0.0.1", server.endpoint().getHost());
        try (Socket loopback = new Socket()) {
            loopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 2000);
        }
        for (InetAddress address : otherAddresses) {
            try (Socket socket = new Socket()) {
                assertThrows(ConnectException.class,
                        () -> socket.connect(new InetSocketAddress(address, server.port()), 2000),
                        "DynamoDB Local answered on " + address);
            } catch (SocketException unreachable) {
                // e.g. an IPv6 address without a route: not listening there either
            }
        }
    }

    @Test
    void sharedDatabaseWhateverTheCredentialsAndRegion() {
        DynamoDbLocalServer server = DynamoDbLocal.sharedServer();
        assertSame(server, DynamoDbLocal.sharedServer());
        String prefix = LocalTables.uniquePrefix(DynamoDbLocalServerTest.class);
        Map<String, String> tables = LocalTables.createAll(server.client(), SamTemplate.locate(), prefix);

        try (DynamoDbClient other = DynamoDbClient.builder()
                .endpointOverride(server.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("other", "other")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build()) {
            assertTrue(other.listTables().tableNames().contains(tables.get("ProjectsTable")));
        }
    }

    @Test
    void dataDirSurvivesRestart(@TempDir Path dataDir) {
        String table;
        try (DynamoDbLocalServer first = DynamoDbLocal.startServer(0, Optional.of(dataDir))) {
            table = LocalTables.createAll(first.client(), SamTemplate.locate(), "").get("ProjectsTable");
            first.client().putItem(put -> put.tableName(table).item(Map.of("id", AttributeValue.fromS("p1"))));
        }
        try (DynamoDbLocalServer second = DynamoDbLocal.startServer(0, Optional.of(dataDir))) {
            LocalTables.createAll(second.client(), SamTemplate.locate(), "");
            assertFalse(second.client().getItem(get -> get.tableName(table)
                    .key(Map.of("id", AttributeValue.fromS("p1")))).item().isEmpty());
        }
    }

    @Test
    void sharedServerSurvivesClose() {
        DynamoDbLocalServer server = DynamoDbLocal.sharedServer();
        server.close();
        assertSame(server, DynamoDbLocal.sharedServer());
        server.client().listTables();
    }

    @Test
    void embeddedClientIgnoresClose() {
        DynamoDbClient embedded = DynamoDbLocal.embedded();
        embedded.close();
        assertSame(embedded, DynamoDbLocal.embedded());
        embedded.listTables();
    }
}
