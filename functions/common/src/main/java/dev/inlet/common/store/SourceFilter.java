package dev.inlet.common.store;

import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceStatus;
import dev.inlet.common.source.SourceType;
import java.time.Instant;
import java.util.Optional;

/**
 * Listing filters; each absent one matches everything. {@code inactiveSince} keeps sources whose last event is older
 * than that instant, or that never sent one (stale producers).
 */
public record SourceFilter(Optional<SourceStatus> status, Optional<SourceType> type,
                           Optional<SourceEnvironment> environment, Optional<Instant> inactiveSince) {

    public static SourceFilter none() {
        return new SourceFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    boolean isEmpty() {
        return status.isEmpty() && type.isEmpty() && environment.isEmpty() && inactiveSince.isEmpty();
    }
}
