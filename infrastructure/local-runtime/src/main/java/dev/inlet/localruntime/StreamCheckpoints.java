package dev.inlet.localruntime;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * An event source mapping's position in its stream: per shard, the sequence number of the last record it is done
 * with (delivered, filtered out, or discarded after its retries). Kept in a properties file when the runtime has a
 * data directory, so a restart resumes where it stopped instead of delivering the stream's last 24 hours again; in
 * memory otherwise (the in-memory database is new on every start anyway). A file written for another stream (the
 * table was recreated) is ignored.
 */
final class StreamCheckpoints {

    private static final String STREAM_KEY = "stream";
    private static final String SHARD_PREFIX = "shard.";

    private final Optional<Path> file;
    private final String streamArn;
    private final Map<String, String> sequenceByShard = new LinkedHashMap<>();
    private boolean dirty;

    private StreamCheckpoints(Optional<Path> file, String streamArn) {
        this.file = file;
        this.streamArn = streamArn;
    }

    static StreamCheckpoints inMemory(String streamArn) {
        return new StreamCheckpoints(Optional.empty(), streamArn);
    }

    /** Loads {@code file} if it exists and belongs to {@code streamArn}. */
    static StreamCheckpoints inFile(Path file, String streamArn) {
        StreamCheckpoints checkpoints = new StreamCheckpoints(Optional.of(file), streamArn);
        if (Files.isRegularFile(file)) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read stream checkpoints " + file, e);
            }
            if (streamArn.equals(properties.getProperty(STREAM_KEY))) {
                properties.stringPropertyNames().stream().filter(key -> key.startsWith(SHARD_PREFIX)).sorted()
                        .forEach(key -> checkpoints.sequenceByShard.put(key.substring(SHARD_PREFIX.length()),
                                properties.getProperty(key)));
            }
        }
        return checkpoints;
    }

    Optional<String> get(String shardId) {
        return Optional.ofNullable(sequenceByShard.get(shardId));
    }

    void put(String shardId, String sequenceNumber) {
        if (!sequenceNumber.equals(sequenceByShard.put(shardId, sequenceNumber))) {
            dirty = true;
        }
    }

    /** Forgets shards the stream no longer lists (trimmed after 24 hours), so the file does not grow forever. */
    void retainOnly(Set<String> shardIds) {
        dirty |= sequenceByShard.keySet().retainAll(shardIds);
    }

    /** Writes the file when something changed; a temporary file and a rename keep a crash from leaving half a file. */
    void save() {
        if (!dirty || file.isEmpty()) {
            return;
        }
        Properties properties = new Properties();
        properties.setProperty(STREAM_KEY, streamArn);
        sequenceByShard.forEach((shard, sequence) -> properties.setProperty(SHARD_PREFIX + shard, sequence));
        Path target = file.get();
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(writer, "Inlet local runtime: last sequence number handled per shard of " + streamArn);
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write stream checkpoints " + target, e);
        }
        dirty = false;
    }
}
